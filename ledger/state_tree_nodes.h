// The state tree on disk (whitepaper/encoding.md, "The state tree on
// disk"): a path-keyed sparse Merkle tree holding the latest version only.
// Each inner node is one record, keyed by its place in the tree (depth and
// key-hash bits), whose value names its two children: their kind, their
// hash and, for a leaf, its key hash. Leaves have no records of their own;
// the empty key holds the root's reference and the entry count.
//
// Latest-only, as in geth's path-based state scheme rather than the
// version-keyed Jellyfish Merkle tree: proofs are only ever made at the
// tip, history is read from blocks, and a reader that needs an older
// version (a state sync snapshot) pins a store snapshot instead. So there
// is nothing to prune: a block overwrites the records on its paths and
// deletes the ones its removals emptied, in the batch that stores it.
#pragma once
#include <cstdint>
#include <optional>

#include "crypto/basics/bytes.h"
#include "crypto/basics/result.h"
#include "crypto/hash.h"

namespace nl::ledger::state_tree {

// The record key of the inner node at `depth` (< 256) on the path of
// `path`: u8 depth || the first ceil(depth / 8) bytes of path, bits from
// `depth` on cleared.
Bytes node_key(unsigned depth, const crypto::Hash32& path);
// Bit `depth` of `path` set to `bit`, the ones after it cleared.
crypto::Hash32 child_path(const crypto::Hash32& path, unsigned depth, unsigned bit);

struct ChildRef {
  enum Kind : uint8_t { none = 0, inner = 1, leaf = 2 };
  Kind kind = none;
  crypto::Hash32 hash;      // the child's node hash (none: zero)
  crypto::Hash32 key_hash;  // a leaf's key hash
  bool operator==(const ChildRef&) const = default;
};

// An inner node's record: its two children.
struct InnerRecord {
  ChildRef child[2];
  Bytes encode() const;
  static Result<InnerRecord> decode(ByteView bytes);
};

// The value under the empty key: the root and how many entries the tree holds.
struct RootRecord {
  ChildRef root;
  uint64_t size = 0;
  Bytes encode() const;
  static Result<RootRecord> decode(ByteView bytes);
};

// One record written or (value nullopt) deleted.
struct NodeWrite {
  Bytes key;
  std::optional<Bytes> value;
};

// Where a persisted tree's records are read from. read() may run on any
// thread alongside others; an error is a broken disk.
class NodeReader {
 public:
  virtual ~NodeReader() = default;
  virtual Result<std::optional<Bytes>> read(ByteView key) const = 0;
};

}  // namespace nl::ledger::state_tree
