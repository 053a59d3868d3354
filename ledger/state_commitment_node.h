// The state tree's in-memory nodes: private to state_commitment.cpp (the
// tree operations) and state_commitment_persist.cpp (the tree on disk).
//
// Leaves keep only the key hash and their own hash (which already binds the
// value hash): the value itself lives in the state store. Nodes are
// shared_ptr-owned (for snapshots), so each carries a control block and
// children are two pointers wide: a million entries take about 260 MB
// resident when all are in memory. A persisted tree keeps only its upper
// levels: below them a stub stands for a subtree on disk (its hash only),
// and a walk that reaches one reads the subtree's top record, which holds
// its first state_tree::kGroupLevels levels. Stubs stand only at group
// depths (state_tree::is_group_depth), where records are.
//
// Dirty flags: only inner nodes are ever dirty (a leaf's hash is set when
// it is written, a stub is never changed). Invariant: the parent of a dirty
// node is dirty, so a clean node heads a fully clean subtree and flush()
// never descends into one.
//
// Sharing: a node may be held by snapshots as well as by the live tree.
// Writers call own() on every slot they change on the way down, which copies
// a shared node first; so a shared node is never changed, and (snapshots
// being taken of clean trees only) never dirty. A writer that meets a stub
// replaces it in its slot with the subtree's top, read from disk (expand()).
#pragma once
#include <memory>
#include <optional>
#include <vector>

#include "ledger/state_commitment.h"
#include "ledger/state_tree_hashes.h"
#include "ledger/state_tree_nodes.h"

namespace nl::ledger {

struct StateCommitment::Node {
  enum Kind : uint8_t { leaf_node, inner_node, stub_node };
  explicit Node(Kind k) : kind(k), leaf(k == leaf_node) {}
  virtual ~Node() = default;
  crypto::Hash32 hash;
  Kind kind;
  bool leaf;  // kind == leaf_node
  bool dirty = false;

  struct Leaf;
  struct Inner;
  struct Stub;
  using Ptr = std::shared_ptr<Node>;
  using Reader = state_tree::NodeReader;
  static void own(Ptr& slot);
  static Ptr split(Ptr old_leaf, Ptr new_leaf, unsigned depth);
  static bool insert(Ptr& slot, const crypto::Hash32& kh, const crypto::Hash32& lh, unsigned depth, const Reader* rd);
  static void remove(Ptr& slot, const crypto::Hash32& kh, unsigned depth, const Reader* rd);
  static bool contains(const Node& n, const crypto::Hash32& kh, unsigned depth, const Reader* rd);
  static uint64_t rehash_dirty(Node& n);
  // The subtree at `depth` of the sorted leaves [lo, hi), hashed.
  static Ptr build(const std::vector<LeafHashes>& leaves, size_t lo, size_t hi, unsigned depth);
  static std::optional<StateProof> prove(const Node* root, const crypto::Hash32& kh, const Reader* rd);
  // Appends the pruned walk of `n` over the entries whose key hashes are
  // khs[lo, hi) to `out`; false when one of them is absent.
  static bool prove_many(const Node* n, const std::vector<crypto::Hash32>& khs, size_t lo, size_t hi, unsigned depth,
                         StateMultiproof& out, const Reader* rd);

  // ---- the tree on disk (state_commitment_persist.cpp) ----
  // The inner node a stub at `depth` on `path` stands for, read through
  // `rd`: a new, clean node, its group's levels below it in memory and
  // stubs under them. Throws
  // std::runtime_error when the record is missing, unreadable, or does not
  // hash to the stub's hash: the disk is broken.
  static Ptr expand(const Node& stub, unsigned depth, const crypto::Hash32& path, const Reader* rd);
  // `n` itself, or the inner node a stub stands for (held in `hold`).
  static const Node* inner_of(const Node* n, unsigned depth, const crypto::Hash32& path, const Reader* rd, Ptr& hold);
  static state_tree::ChildRef ref_of(const Node* n);
  static Ptr node_of(const state_tree::ChildRef& ref);
  struct PersistWalk;
};

struct StateCommitment::Node::Leaf final : Node {
  Leaf(const crypto::Hash32& k, const crypto::Hash32& h) : Node(leaf_node), kh(k) { hash = h; }
  crypto::Hash32 kh;
};

struct StateCommitment::Node::Inner final : Node {
  Inner() : Node(inner_node) { dirty = true; }  // born without a hash
  Ptr child[2];
  // For a node read from disk (expand()): the group as read, kept apart
  // from the nodes that writers change, so that writing the tree back need
  // not read it again to see what changed.
  std::shared_ptr<const Node> was;
  void rehash() {
    hash = state_tree::inner_hash(child[0] ? child[0]->hash : crypto::Hash32{},
                                  child[1] ? child[1]->hash : crypto::Hash32{});
    dirty = false;
  }
};

struct StateCommitment::Node::Stub final : Node {
  explicit Stub(const crypto::Hash32& h) : Node(stub_node) { hash = h; }
};

}  // namespace nl::ledger
