#include "ledger/state_multiproof.h"

#include <array>
#include <string>

#include "ledger/state_tree_hashes.h"

namespace nl::ledger {

using crypto::Hash32;

void StateMultiproof::encode(Writer& w) const {
  w.count(entries.size());
  for (const auto& e : entries) w.bytes(e.key).bytes(e.value);
  w.u32(static_cast<uint32_t>(codes.size()));
  Bytes packed((codes.size() + 3) / 4, 0);
  for (size_t i = 0; i < codes.size(); ++i) packed[i / 4] |= static_cast<uint8_t>(codes[i] << (6 - 2 * (i % 4)));
  w.raw(packed);
  w.count(hashes.size());
  for (const auto& h : hashes) w.fixed(h.b);
}

StateMultiproof StateMultiproof::decode(Reader& r, uint32_t max_value_bytes) {
  StateMultiproof p;
  uint32_t n = r.count(kMaxMultiproofEntries);
  p.entries.resize(n);
  for (auto& e : p.entries) {
    e.key = r.bytes(64);
    e.value = r.bytes(max_value_bytes);
  }
  uint32_t codes = r.u32();
  if (codes > kMaxMultiproofCodes)
    throw DecodeError("state multiproof has " + std::to_string(codes) + " codes; at most " +
                      std::to_string(kMaxMultiproofCodes) + " are accepted");
  p.codes.resize(codes);
  for (size_t i = 0; i < codes; i += 4) {
    uint8_t byte = r.u8();
    for (size_t j = 0; j < 4; ++j) {
      uint8_t c = (byte >> (6 - 2 * j)) & 3u;
      if (i + j < codes) p.codes[i + j] = c;
      else if (c != 0) throw DecodeError("state multiproof padding bits are not zero");
    }
  }
  uint32_t m = r.count(kMaxMultiproofHashes);
  p.hashes.resize(m);
  for (auto& h : p.hashes) h.b = r.fixed<32>();
  return p;
}

namespace {

using state_tree::bit_at;

// The recursive walk; the path's bits so far check each leaf's place.
class RootWalk {
 public:
  explicit RootWalk(const StateMultiproof& p) : p_(p) {}

  struct Node {
    Hash32 hash;
    StateMultiproof::Code code;
    bool has_entry;
  };

  Result<Hash32> run() {
    key_hashes_.reserve(p_.entries.size());
    for (const auto& e : p_.entries) key_hashes_.push_back(state_tree::key_hash(e.key));
    for (size_t i = 1; i < key_hashes_.size(); ++i)
      if (key_hashes_[i] == key_hashes_[i - 1]) return fail("state multiproof lists key " + std::to_string(i) + " twice");
    auto root = node(0);
    if (!root) return root.take_error();
    if (code_ != p_.codes.size()) return fail("state multiproof has codes left over after its walk");
    if (hash_ != p_.hashes.size()) return fail("state multiproof has hashes left over after its walk");
    if (entry_ != p_.entries.size()) return fail("state multiproof lists entries its walk never reaches");
    if (!root->has_entry) return fail("state multiproof proves no entry");
    return root->hash;
  }

 private:
  Result<Node> node(unsigned depth) {
    if (code_ == p_.codes.size()) return fail("state multiproof ends in the middle of its walk");
    switch (p_.codes[code_++]) {
      case StateMultiproof::empty:
        return Node{Hash32{}, StateMultiproof::empty, false};
      case StateMultiproof::hash: {
        if (hash_ == p_.hashes.size()) return fail("state multiproof has fewer hashes than its walk needs");
        const Hash32& h = p_.hashes[hash_++];
        if (h.is_zero()) return fail("state multiproof lists a zero hash (an empty subtree has its own code)");
        return Node{h, StateMultiproof::hash, false};
      }
      case StateMultiproof::leaf: {
        if (entry_ == p_.entries.size()) return fail("state multiproof has fewer entries than its walk needs");
        const Hash32& kh = key_hashes_[entry_];
        for (unsigned i = 0; i < depth; ++i)
          if (bit_at(kh, i) != path_[i])
            return fail("state multiproof entry " + std::to_string(entry_) + " is placed where its key does not lead");
        const auto& e = p_.entries[entry_++];
        return Node{state_tree::leaf_hash(kh, e.value), StateMultiproof::leaf, true};
      }
      default: {
        if (depth >= state_tree::kMaxDepth) return fail("state multiproof is deeper than 256");
        path_[depth] = 0;
        auto l = node(depth + 1);
        if (!l) return l;
        path_[depth] = 1;
        auto r = node(depth + 1);
        if (!r) return r;
        if (!l->has_entry && !r->has_entry)
          return fail("state multiproof has an inner node with no entry below it (give its hash instead)");
        const bool lone_leaf = (l->code == StateMultiproof::leaf && r->code == StateMultiproof::empty) ||
                               (r->code == StateMultiproof::leaf && l->code == StateMultiproof::empty);
        if (lone_leaf) return fail("state multiproof puts a leaf beside an empty subtree, deeper than the tree does");
        return Node{state_tree::inner_hash(l->hash, r->hash), StateMultiproof::inner, true};
      }
    }
  }

  const StateMultiproof& p_;
  std::vector<Hash32> key_hashes_;
  std::array<uint8_t, state_tree::kMaxDepth> path_{};
  size_t code_ = 0, hash_ = 0, entry_ = 0;
};

}  // namespace

Result<Hash32> state_multiproof_root(const StateMultiproof& p) { return RootWalk(p).run(); }

namespace {

// A walk of a well-formed proof that copies what is kept and folds the rest.
class KeepWalk {
 public:
  KeepWalk(const StateMultiproof& p, const std::function<bool(const StateMultiproof::Entry&)>& keep)
      : p_(p), keep_(keep) {}

  struct Part {
    Hash32 hash;
    bool kept = false;  // an entry is kept below
    StateMultiproof out;
  };

  Part node() {
    Part part;
    switch (p_.codes[code_++]) {
      case StateMultiproof::empty:
        part.out.codes.push_back(StateMultiproof::empty);
        return part;
      case StateMultiproof::hash:
        part.hash = p_.hashes[hash_++];
        break;
      case StateMultiproof::leaf: {
        const auto& e = p_.entries[entry_++];
        part.hash = state_tree::leaf_hash(state_tree::key_hash(e.key), e.value);
        if (keep_(e)) {
          part.kept = true;
          part.out.codes.push_back(StateMultiproof::leaf);
          part.out.entries.push_back(e);
          return part;
        }
        break;
      }
      default: {
        Part l = node(), r = node();
        part.hash = state_tree::inner_hash(l.hash, r.hash);
        part.kept = l.kept || r.kept;
        if (!part.kept) break;
        part.out.codes.push_back(StateMultiproof::inner);
        for (Part* child : {&l, &r}) {
          auto& o = child->out;
          part.out.codes.insert(part.out.codes.end(), o.codes.begin(), o.codes.end());
          part.out.hashes.insert(part.out.hashes.end(), o.hashes.begin(), o.hashes.end());
          part.out.entries.insert(part.out.entries.end(), o.entries.begin(), o.entries.end());
        }
        return part;
      }
    }
    part.out.codes.push_back(StateMultiproof::hash);  // nothing kept below: its hash stands for it
    part.out.hashes.push_back(part.hash);
    return part;
  }

 private:
  const StateMultiproof& p_;
  const std::function<bool(const StateMultiproof::Entry&)>& keep_;
  size_t code_ = 0, hash_ = 0, entry_ = 0;
};

}  // namespace

Result<StateMultiproof> StateMultiproof::keep_only(const std::function<bool(const Entry&)>& keep) const {
  if (auto root = state_multiproof_root(*this); !root) return root.take_error();
  KeepWalk::Part top = KeepWalk(*this, keep).node();
  if (!top.kept) return fail("state multiproof would prove no entry");
  return std::move(top.out);
}

}  // namespace nl::ledger
