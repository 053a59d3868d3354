#include "ledger/state_commitment.h"

#include <algorithm>
#include <bit>
#include <future>
#include <stdexcept>
#include <string>
#include <utility>

#include "ledger/state_commitment_node.h"
#include "ledger/state_tree_bulk.h"
#include "ledger/state_tree_hashes.h"

namespace nl::ledger {

using crypto::Hash32;

namespace {

using state_tree::bit_at;
using state_tree::inner_hash;
using state_tree::key_hash;
using state_tree::kMaxDepth;
using state_tree::leaf_hash;

// Below this a second thread costs more than it saves.
constexpr size_t kParallelBuildLeaves = 65536;

inline bool present_bit(const std::vector<uint8_t>& present, unsigned i) {
  return (present[i >> 3] >> (7 - (i & 7))) & 1u;
}

}  // namespace

void StateCommitment::Node::own(Ptr& slot) {
  if (slot.use_count() == 1) return;  // a stub is expanded before, never owned
  if (slot->leaf) {
    const auto& l = static_cast<const Leaf&>(*slot);
    slot = std::make_shared<Leaf>(l.kh, l.hash);
  } else {
    const auto& in = static_cast<const Inner&>(*slot);
    auto copy = std::make_shared<Inner>();
    copy->child[0] = in.child[0];
    copy->child[1] = in.child[1];
    copy->was = in.was;
    copy->hash = in.hash;
    copy->dirty = in.dirty;
    slot = std::move(copy);
  }
}

// Two distinct leaves under one subtree at `depth`: a chain of one-child
// inner nodes down to the first bit where their key hashes differ.
StateCommitment::Node::Ptr StateCommitment::Node::split(Ptr old_leaf, Ptr new_leaf,
                                                        unsigned depth) {
  const Hash32& a = static_cast<Leaf&>(*old_leaf).kh;
  const Hash32& b = static_cast<Leaf&>(*new_leaf).kh;
  unsigned d = depth;
  // Distinct SHA-256 outputs always differ somewhere below 256.
  while (d < kMaxDepth && bit_at(a, d) == bit_at(b, d)) ++d;
  auto fork = std::make_shared<Inner>();
  unsigned nb = bit_at(b, d);
  fork->child[nb] = std::move(new_leaf);
  fork->child[nb ^ 1u] = std::move(old_leaf);
  Ptr top = std::move(fork);
  while (d > depth) {
    --d;
    auto up = std::make_shared<Inner>();
    up->child[bit_at(b, d)] = std::move(top);
    top = std::move(up);
  }
  return top;  // every node of the chain is dirty
}

// Returns true when the key was new.
bool StateCommitment::Node::insert(Ptr& slot, const Hash32& kh, const Hash32& lh, unsigned depth,
                                   const Reader* rd) {
  if (!slot) {
    slot = std::make_shared<Leaf>(kh, lh);
    return true;
  }
  if (slot->leaf) {
    if (static_cast<Leaf&>(*slot).kh == kh) {
      slot = std::make_shared<Leaf>(kh, lh);  // never rewritten in place: a snapshot may hold it
      return false;
    }
    slot = split(std::move(slot), std::make_shared<Leaf>(kh, lh), depth);
    return true;
  }
  if (slot->kind == stub_node) slot = expand(*slot, depth, kh, rd);
  own(slot);
  auto& in = static_cast<Inner&>(*slot);
  bool added = insert(in.child[bit_at(kh, depth)], kh, lh, depth + 1, rd);
  in.dirty = true;
  return added;
}

bool StateCommitment::Node::contains(const Node& top, const Hash32& kh, unsigned depth, const Reader* rd) {
  const Node* n = &top;
  Ptr hold;
  while (n && !n->leaf) {
    n = static_cast<const Inner*>(inner_of(n, depth, kh, rd, hold))->child[bit_at(kh, depth)].get();
    ++depth;
  }
  return n && static_cast<const Leaf&>(*n).kh == kh;
}

// The key must be present (see contains()): every node on its path is
// copied if shared, then changed. Keeps the canonical form: a
// subtree left holding a single leaf is replaced by that leaf, which then
// moves up as far as its parents allow.
void StateCommitment::Node::remove(Ptr& slot, const Hash32& kh, unsigned depth, const Reader* rd) {
  if (slot->leaf) {
    slot.reset();
    return;
  }
  if (slot->kind == stub_node) slot = expand(*slot, depth, kh, rd);
  own(slot);
  auto& in = static_cast<Inner&>(*slot);
  remove(in.child[bit_at(kh, depth)], kh, depth + 1, rd);
  Ptr& l = in.child[0];
  Ptr& r = in.child[1];
  // Moving a child into `slot` destroys `in` only after the child is out.
  if (!l && !r) {
    slot.reset();
  } else if (!l && r->leaf) {
    slot = std::move(r);
  } else if (!r && l->leaf) {
    slot = std::move(l);
  } else {
    in.dirty = true;
  }
}

// Recomputes a dirty subtree bottom-up and returns the number of inner
// hashes computed. Clean children are skipped whole (see the invariant);
// the recursion is at most kMaxDepth + 1 deep.
uint64_t StateCommitment::Node::rehash_dirty(Node& n) {
  auto& in = static_cast<Inner&>(n);
  uint64_t count = 1;
  for (auto& c : in.child)
    if (c && c->dirty) count += rehash_dirty(*c);
  in.rehash();
  return count;
}

// The shape insert() gives: a leaf alone in its subtree sits at the top of
// it, and two or more that share the bit at `depth` hang under a one-child
// inner node, as split() makes them.
StateCommitment::Node::Ptr StateCommitment::Node::build(const std::vector<LeafHashes>& leaves, size_t lo, size_t hi,
                                                        unsigned depth) {
  if (lo == hi) return nullptr;
  if (hi - lo == 1) return std::make_shared<Leaf>(leaves[lo].key_hash, leaves[lo].leaf_hash);
  size_t mid = lo;
  while (mid < hi && bit_at(leaves[mid].key_hash, depth) == 0) ++mid;
  auto in = std::make_shared<Inner>();
  // A big tree's two halves on two threads: the hashing is all the work.
  if (depth == 0 && hi - lo >= kParallelBuildLeaves) {
    auto right = std::async(std::launch::async, [&] { return build(leaves, mid, hi, depth + 1); });
    in->child[0] = build(leaves, lo, mid, depth + 1);
    in->child[1] = right.get();
  } else {
    in->child[0] = build(leaves, lo, mid, depth + 1);
    in->child[1] = build(leaves, mid, hi, depth + 1);
  }
  in->rehash();
  return in;
}

StateCommitment::LeafHashes StateCommitment::leaf_of(ByteView key, ByteView value) {
  const Hash32 kh = key_hash(key);
  return {kh, leaf_hash(kh, value)};
}

StateCommitment StateCommitment::from_leaves(std::vector<LeafHashes> leaves) {
  sort_leaves(leaves);
  StateCommitment t;
  t.root_ = Node::build(leaves, 0, leaves.size(), 0);
  t.size_ = leaves.size();
  return t;
}

std::optional<StateProof> StateCommitment::Node::prove(const Node* n, const Hash32& kh, const Reader* rd) {
  StateProof p;
  unsigned depth = 0;
  Ptr hold;
  while (n && !n->leaf) {
    const auto& in = static_cast<const Inner&>(*inner_of(n, depth, kh, rd, hold));
    unsigned b = bit_at(kh, depth);
    if (p.present.size() * 8 <= depth) p.present.push_back(0);
    if (const Node* sib = in.child[b ^ 1u].get()) {
      p.present[depth >> 3] |= static_cast<uint8_t>(0x80u >> (depth & 7));
      p.siblings.push_back(sib->hash);
    }
    n = in.child[b].get();
    ++depth;
  }
  if (!n || static_cast<const Leaf&>(*n).kh != kh) return std::nullopt;
  p.depth = static_cast<uint16_t>(depth);
  return p;
}

bool StateCommitment::Node::prove_many(const Node* n, const std::vector<Hash32>& khs, size_t lo, size_t hi,
                                       unsigned depth, StateMultiproof& out, const Reader* rd) {
  if (lo == hi) {
    if (!n) {
      out.codes.push_back(StateMultiproof::empty);
    } else {
      out.codes.push_back(StateMultiproof::hash);
      out.hashes.push_back(n->hash);
    }
    return true;
  }
  if (!n) return false;
  if (n->leaf) {
    out.codes.push_back(StateMultiproof::leaf);
    return hi - lo == 1 && static_cast<const Leaf&>(*n).kh == khs[lo];
  }
  Ptr hold;
  const auto& in = static_cast<const Inner&>(*inner_of(n, depth, khs[lo], rd, hold));
  size_t mid = lo;
  while (mid < hi && bit_at(khs[mid], depth) == 0) ++mid;
  out.codes.push_back(StateMultiproof::inner);
  return prove_many(in.child[0].get(), khs, lo, mid, depth + 1, out, rd) &&
         prove_many(in.child[1].get(), khs, mid, hi, depth + 1, out, rd);
}

namespace {

bool well_formed(const StateProof& p) {
  if (p.depth > kMaxDepth) return false;
  if (p.present.size() != (p.depth + 7u) / 8u) return false;
  size_t ones = 0;
  for (uint8_t b : p.present) ones += static_cast<size_t>(std::popcount(b));
  if (ones != p.siblings.size()) return false;
  // Padding bits past `depth` must be clear, so there is one encoding.
  for (unsigned i = p.depth; i < p.present.size() * 8u; ++i)
    if (present_bit(p.present, i)) return false;
  return true;
}

}  // namespace

void StateProof::encode(Writer& w) const {
  w.u16(depth);
  w.raw(ByteView(present));
  w.count(siblings.size());
  for (const auto& s : siblings) w.fixed(s.b);
}

StateProof StateProof::decode(Reader& r) {
  StateProof p;
  p.depth = r.u16();
  if (p.depth > kMaxDepth)
    throw DecodeError("state proof depth " + std::to_string(p.depth) + " exceeds 256");
  p.present.resize((p.depth + 7u) / 8u);
  for (auto& b : p.present) b = r.u8();
  uint32_t n = r.count(kMaxDepth);
  p.siblings.resize(n);
  for (auto& s : p.siblings) {
    s.b = r.fixed<32>();
    if (s.is_zero()) throw DecodeError("state proof lists a zero sibling");
  }
  if (!well_formed(p)) throw DecodeError("state proof sibling count or padding does not match its bitmap");
  return p;
}

StateCommitment::StateCommitment() = default;
StateCommitment::~StateCommitment() = default;
StateCommitment::StateCommitment(StateCommitment&&) noexcept = default;
StateCommitment& StateCommitment::operator=(StateCommitment&&) noexcept = default;

void StateCommitment::put(ByteView key, ByteView value) {
  dirty_ = true;
  Hash32 kh = key_hash(key);
  Hash32 lh = leaf_hash(kh, value);
  hashes_ += 3;  // key, value and leaf
  if (Node::insert(root_, kh, lh, 0, reader_.get())) ++size_;
}

void StateCommitment::erase(ByteView key) {
  dirty_ = true;
  Hash32 kh = key_hash(key);
  hashes_ += 1;
  // An absent key changes nothing, so no shared node is copied for it.
  if (root_ && Node::contains(*root_, kh, 0, reader_.get())) {
    Node::remove(root_, kh, 0, reader_.get());
    --size_;
  }
}

void StateCommitment::flush() {
  if (root_ && root_->dirty) hashes_ += Node::rehash_dirty(*root_);
  dirty_ = false;
}

StateCommitment::Snapshot StateCommitment::snapshot() const {
  require_clean();
  Snapshot s;
  s.root_ = root_;
  s.size_ = size_;
  s.reader_ = reader_;
  return s;
}

void StateCommitment::restore(const Snapshot& s) {
  // Only snapshot() makes a non-empty root_, from this class's own nodes.
  root_ = std::const_pointer_cast<Node>(std::static_pointer_cast<const Node>(s.root_));
  size_ = s.size_;
  reader_ = s.reader_;
  dirty_ = false;
}

void StateCommitment::require_clean() const {
  if (dirty_) throw std::logic_error("state commitment read before flush()");
}

Hash32 StateCommitment::root() const {
  require_clean();
  return root_ ? root_->hash : Hash32{};
}

size_t StateCommitment::size() const { return size_; }

std::optional<StateProof> StateCommitment::prove(ByteView key) const {
  require_clean();
  return Node::prove(root_.get(), key_hash(key), reader_.get());
}

std::optional<StateMultiproof> StateCommitment::prove_many(std::vector<StateMultiproof::Entry> entries) const {
  require_clean();
  std::vector<std::pair<Hash32, StateMultiproof::Entry>> sorted;
  sorted.reserve(entries.size());
  for (auto& e : entries) sorted.emplace_back(key_hash(e.key), std::move(e));
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  StateMultiproof out;
  std::vector<Hash32> khs;
  for (auto& [kh, e] : sorted) {
    if (!khs.empty() && khs.back() == kh) continue;  // each key once
    khs.push_back(kh);
    out.entries.push_back(std::move(e));
  }
  if (khs.empty() || !Node::prove_many(root_.get(), khs, 0, khs.size(), 0, out, reader_.get())) return std::nullopt;
  return out;
}

bool verify_state_proof(const Hash32& root, ByteView key, ByteView value, const StateProof& proof) {
  if (!well_formed(proof)) return false;
  Hash32 kh = key_hash(key);
  Hash32 h = leaf_hash(kh, value);
  size_t next = proof.siblings.size();
  for (unsigned i = proof.depth; i-- > 0;) {
    Hash32 sib;
    if (present_bit(proof.present, i)) {
      sib = proof.siblings[--next];
      if (sib.is_zero()) return false;
    }
    h = bit_at(kh, i) ? inner_hash(sib, h) : inner_hash(h, sib);
  }
  return h == root;
}

}  // namespace nl::ledger
