// The state commitment: a sparse Merkle tree over the committed entries,
// keyed by tagged_hash(kStateKey, key). A leaf sits at the shallowest depth
// where its key hash is unique, so a tree of n entries is ~log2(n) deep.
// Empty subtrees hash to zero.
//   leaf  = tagged_hash(kStateLeaf, key_hash || tagged_hash(kStateLeaf, value))
//   inner = tagged_hash(kStateNode, left || right)
//
// Hashing of inner nodes is deferred and batched. put() and erase() change
// only the structure (plus the key and leaf hashes of the entry they touch,
// since the tree keeps no values) and mark the inner nodes on the touched
// path dirty. flush() then recomputes every dirty node once, bottom-up, so a
// batch of k updates costs one hash per distinct dirty node (the shared
// upper paths are hashed once per batch) instead of k times the depth.
//
// Rule: root() and prove() may only be called on a clean tree, i.e. after
// flush() and before the next put()/erase(). On a dirty tree they throw
// std::logic_error("state commitment read before flush()"). Every put() or
// erase(), even one that changes nothing, leaves the tree dirty. The readers
// are const and never hash lazily on purpose: they run under a shared
// (reader) lock alongside other readers, so they must never mutate cached
// hashes; flush() is a writer and needs the exclusive lock, like put() and
// erase(). A writer flushes once at the end of its batch of updates.
//
// Snapshots: nodes are shared and copied on write. snapshot() of a clean
// tree is O(1); a later put() or erase() copies the nodes on its path
// instead of changing the ones a snapshot holds, and restore() puts a
// snapshot back in O(1). The chain uses them to undo a checked block and to
// replay one without hashing again.
//
// On disk (state_tree_nodes.h): a tree given a reader keeps in memory only
// what persist() leaves there, its upper levels; a walk that reaches a part
// on disk reads it through the reader. Writers keep what they read in their
// own version (copy on write, as above); readers read and let go.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "crypto/hash.h"
#include "crypto/basics/result.h"
#include "ledger/canonical.h"
#include "ledger/state_multiproof.h"
#include "ledger/state_tree_nodes.h"

namespace nl::ledger {

struct StateProof {
  // Siblings from the root down to the leaf's depth; zero hashes are
  // omitted and marked by a clear bit in `present` (bit i = depth i).
  std::vector<uint8_t> present;  // ceil(depth / 8) bytes
  uint16_t depth = 0;
  std::vector<crypto::Hash32> siblings;

  void encode(Writer& w) const;
  static StateProof decode(Reader& r);
};

class StateCommitment {
 public:
  StateCommitment();
  ~StateCommitment();
  StateCommitment(StateCommitment&&) noexcept;
  StateCommitment& operator=(StateCommitment&&) noexcept;

  // A clean tree of exactly the given entries, built bottom-up in one pass:
  // what a restart does instead of a put() per entry, several times faster
  // at a million entries. `leaves` in any order; a key given twice keeps
  // its last value, as put() would.
  struct LeafHashes {
    crypto::Hash32 key_hash, leaf_hash;
  };
  static LeafHashes leaf_of(ByteView key, ByteView value);
  static StateCommitment from_leaves(std::vector<LeafHashes> leaves);

  // The tree a store holds: its root record read through `reader`, nothing
  // else. nullopt when the store holds no tree, or one of the earlier
  // format (state_tree::RootRecord), to be written again; fails on a
  // broken root.
  static Result<std::optional<StateCommitment>> open(std::shared_ptr<const state_tree::NodeReader> reader);
  // Where this tree reads the parts of it that are on disk; a snapshot
  // carries its tree's reader.
  void set_reader(std::shared_ptr<const state_tree::NodeReader> reader) { reader_ = std::move(reader); }

  // Writers (exclusive access). Both leave the tree dirty.
  void put(ByteView key, ByteView value);
  void erase(ByteView key);
  // Recomputes the hashes of all dirty nodes, each once, bottom-up; leaves
  // the tree clean. Cheap when already clean.
  void flush();

  // Readers: throw std::logic_error on a dirty tree (see above).
  crypto::Hash32 root() const;
  // Membership proof for a present key.
  std::optional<StateProof> prove(ByteView key) const;
  // One proof for all of `entries` (key and committed value); nullopt when
  // a key is absent. The values are the caller's: the tree keeps none.
  std::optional<StateMultiproof> prove_many(std::vector<StateMultiproof::Entry> entries) const;

  // A clean tree as it is now; restore() brings it back, clean.
  class Snapshot {
   public:
    Snapshot() = default;

   private:
    friend class StateCommitment;
    std::shared_ptr<const void> root_;  // the tree's root node
    size_t size_ = 0;
    std::shared_ptr<const state_tree::NodeReader> reader_;
  };
  Snapshot snapshot() const;  // throws std::logic_error on a dirty tree, like root()
  void restore(const Snapshot& s);

  // The record writes that take the store from the tree `on_disk` (nullptr:
  // the store holds none) to this clean tree, read through the reader
  // where needed; `on_disk` must be what the store holds now. Then the
  // tree keeps in memory only its nodes above the first group depth at
  // or below `cache_depth` (and the leaves there): the rest stays on disk
  // for the reader, so the tree must not be used until the writes are
  // stored (or it is restored). Throws std::logic_error on a dirty tree.
  std::vector<state_tree::NodeWrite> persist(const Snapshot* on_disk, unsigned cache_depth);

  size_t size() const;
  // True between a put()/erase() and the next flush().
  bool dirty() const { return dirty_; }
  // Tagged hashes computed by put(), erase() and flush() of this tree since
  // it was constructed (key, value, leaf and inner hashes); for benchmarks
  // and tests.
  uint64_t hash_count() const { return hashes_; }

 private:
  struct Node;
  void require_clean() const;
  std::shared_ptr<Node> root_;
  size_t size_ = 0;
  std::shared_ptr<const state_tree::NodeReader> reader_;
  uint64_t hashes_ = 0;
  bool dirty_ = false;
};

// True when (key, value) is an entry of the tree whose root is `root`.
bool verify_state_proof(const crypto::Hash32& root, ByteView key, ByteView value,
                        const StateProof& proof);

}  // namespace nl::ledger
