// The state tree on disk (state_tree_nodes.h): reading its group records
// into the tree, and writing what a new version of the tree changed.
#include <stdexcept>
#include <string>

#include "ledger/state_commitment_node.h"

namespace nl::ledger {

using crypto::Hash32;
using state_tree::ChildRef;
using state_tree::GroupRecord;
using state_tree::is_group_depth;
using state_tree::kGroupLevels;
using state_tree::node_key;
using state_tree::NodeWrite;
using state_tree::RootRecord;

namespace {

const Bytes kRootKey;  // the empty key

[[noreturn]] void broken(const std::string& why) { throw std::runtime_error("the stored state tree is broken: " + why); }

}  // namespace

ChildRef StateCommitment::Node::ref_of(const Node* n) {
  ChildRef r;
  if (!n) return r;
  r.kind = n->leaf ? ChildRef::leaf : ChildRef::inner;
  r.hash = n->hash;
  if (n->leaf) r.key_hash = static_cast<const Leaf&>(*n).kh;
  return r;
}

StateCommitment::Node::Ptr StateCommitment::Node::node_of(const ChildRef& ref) {
  switch (ref.kind) {
    case ChildRef::leaf: return std::make_shared<Leaf>(ref.key_hash, ref.hash);
    case ChildRef::inner: return std::make_shared<Stub>(ref.hash);
    case ChildRef::none: break;
  }
  return nullptr;
}

StateCommitment::Node::Ptr StateCommitment::Node::expand(const Node& stub, unsigned depth, const Hash32& path,
                                                         const Reader* rd) {
  const std::string where = "the node at depth " + std::to_string(depth);
  if (!rd) broken(where + " is on disk, and the tree has no reader");
  auto bytes = rd->read(node_key(depth, path));
  if (!bytes) broken("cannot read " + where + ": " + bytes.error());
  if (!*bytes) broken(where + " (" + to_hex(node_key(depth, path)) + ") is missing");
  auto rec = GroupRecord::decode(**bytes, depth);
  if (!rec) broken(where + ": " + rec.error());
  // The group's hashes, computed as it was decoded, end in its top's: a
  // record that was changed on disk is caught here, before anything is
  // built on it.
  if (rec->nodes[0].hash != stub.hash) broken(where + " does not hash to what its parent says");
  size_t next = 0;
  auto build = [&rec, &next](auto& self, unsigned rel) -> Ptr {
    const ChildRef& c = rec->nodes[next++];
    if (c.kind != ChildRef::inner || rel == kGroupLevels) return node_of(c);
    auto in = std::make_shared<Inner>();
    in->child[0] = self(self, rel + 1);
    in->child[1] = self(self, rel + 1);
    in->hash = c.hash;
    in->dirty = false;
    return in;
  };
  Ptr group = build(build, 0);
  // The group as read is kept apart (was): the live node is a copy of its
  // top sharing its children, so a writer copies each before changing it.
  Ptr live = group;
  own(live);
  static_cast<Inner&>(*live).was = std::move(group);
  return live;
}

const StateCommitment::Node* StateCommitment::Node::inner_of(const Node* n, unsigned depth, const Hash32& path,
                                                             const Reader* rd, Ptr& hold) {
  if (n->kind != stub_node) return n;
  Ptr fresh = expand(*n, depth, path, rd);  // before `hold` lets go: it may own n
  hold = std::move(fresh);
  return hold.get();
}

// One walk over what changed between the tree on disk and the new one.
// Unchanged subtrees are the same nodes in both, or stubs in the new one
// (a stub is only ever made from what is on disk at its place), so the
// walk goes only where the new tree was written. Inner nodes never move
// in the tree (only leaves do), so comparing hashes place by place tells
// what changed.
struct StateCommitment::Node::PersistWalk {
  const Reader* rd;
  unsigned cache_depth;
  std::vector<NodeWrite>& out;

  // Deletes the record of every group of the old subtree here.
  void erase(const Node* old, unsigned depth, const Hash32& path) {
    if (!old || old->leaf) return;
    Ptr hold;
    const auto& in = static_cast<const Inner&>(*inner_of(old, depth, path, rd, hold));
    if (is_group_depth(depth)) out.push_back({node_key(depth, path), std::nullopt});
    for (unsigned c = 0; c < 2; ++c) erase(in.child[c].get(), depth + 1, state_tree::child_path(path, depth, c));
  }

  // The group of the inner node `n`, from relative depth `rel` on.
  static void group_of(const Node* n, unsigned rel, std::vector<ChildRef>& out) {
    if (!n || n->leaf || rel == kGroupLevels) {
      out.push_back(ref_of(n));
      return;
    }
    if (n->kind == stub_node) throw std::logic_error("a stub of the state tree above its group's bottom");
    out.push_back({ChildRef::inner, n->hash, {}});
    const auto& in = static_cast<const Inner&>(*n);
    group_of(in.child[0].get(), rel + 1, out);
    group_of(in.child[1].get(), rel + 1, out);
  }

  // What to keep here: `nw` itself, or a copy whose subtrees at the cache
  // depth are stubs.
  Ptr write(const Node* old, const Ptr& nw, unsigned depth, const Hash32& path) {
    if (!nw || nw->leaf) {
      erase(old, depth, path);
      return nw;
    }
    if (nw->kind == stub_node || nw.get() == old) return nw;  // as on disk
    const auto& in = static_cast<const Inner&>(*nw);
    // The old node: in memory, or the group as this node read it from disk
    // in this version (a stub in the old tree was not read before), or
    // read now.
    Ptr hold;
    const Inner* old_in = nullptr;
    if (old && !old->leaf) {
      if (old->kind == stub_node && in.was)
        old_in = static_cast<const Inner*>(in.was.get());
      else
        old_in = static_cast<const Inner*>(inner_of(old, depth, path, rd, hold));
    }
    // A group changed when its top's hash did: that covers every node in
    // it and every hash at its bottom.
    if (is_group_depth(depth) && (!old_in || old_in->hash != in.hash)) {
      GroupRecord rec;
      group_of(&in, 0, rec.nodes);
      out.push_back({node_key(depth, path), rec.encode()});
    }
    Ptr kept[2];
    for (unsigned c = 0; c < 2; ++c)
      kept[c] = write(old_in ? old_in->child[c].get() : nullptr, in.child[c], depth + 1,
                      state_tree::child_path(path, depth, c));
    if (depth >= cache_depth && is_group_depth(depth)) return std::make_shared<Stub>(in.hash);
    if (kept[0] == in.child[0] && kept[1] == in.child[1]) return nw;
    auto copy = std::make_shared<Inner>();
    copy->child[0] = std::move(kept[0]);
    copy->child[1] = std::move(kept[1]);
    copy->hash = in.hash;
    copy->dirty = false;
    return copy;
  }
};

Result<std::optional<StateCommitment>> StateCommitment::open(std::shared_ptr<const state_tree::NodeReader> reader) {
  auto bytes = reader->read(kRootKey);
  if (!bytes) return fail("cannot read the state tree's root: " + bytes.error());
  if (!*bytes) return std::optional<StateCommitment>();
  auto rec = RootRecord::decode(**bytes);
  if (!rec) return fail("the stored state tree is broken: " + rec.error());
  if (!*rec) return std::optional<StateCommitment>();  // the earlier format: the tree is written again
  StateCommitment t;
  t.root_ = Node::node_of((*rec)->root);
  t.size_ = (*rec)->size;
  t.reader_ = std::move(reader);
  return std::optional<StateCommitment>(std::move(t));
}

std::vector<NodeWrite> StateCommitment::persist(const Snapshot* on_disk, unsigned cache_depth) {
  require_clean();
  std::vector<NodeWrite> out;
  const Node* old = on_disk ? static_cast<const Node*>(on_disk->root_.get()) : nullptr;
  Node::PersistWalk walk{reader_.get(), cache_depth, out};
  std::shared_ptr<Node> kept = walk.write(old, root_, 0, Hash32{});
  RootRecord rec;
  rec.root = Node::ref_of(root_.get());
  rec.size = size_;
  out.push_back({kRootKey, rec.encode()});
  root_ = std::move(kept);
  return out;
}

}  // namespace nl::ledger
