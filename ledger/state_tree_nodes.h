// The state tree on disk (whitepaper/encoding.md, "The state tree on
// disk"): a path-keyed sparse Merkle tree holding the latest version only.
// Its inner nodes are stored in groups of four levels, as the Jellyfish
// Merkle tree stores sixteen-way nodes: one record for each inner node at
// a depth that is a multiple of 4, keyed by its place in the tree (depth
// and key-hash bits), holding the nodes below it down to the next such
// depth. A synced block of delegations writes a quarter of the records
// that one per inner node took (3.3 against 13.4 per transaction). Leaves
// have no records of their own; the empty key holds the root's reference
// and the entry count.
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
#include <vector>

#include "crypto/basics/bytes.h"
#include "crypto/basics/result.h"
#include "crypto/hash.h"

namespace nl::ledger::state_tree {

// Levels per record: records are kept for inner nodes at depths that are
// multiples of it, and only there does a tree in memory stop at a stub.
inline constexpr unsigned kGroupLevels = 4;
inline constexpr bool is_group_depth(unsigned depth) { return depth % kGroupLevels == 0; }

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

// The record of the inner node at a group depth: it and the nodes below
// it down to kGroupLevels levels, in pre-order. An inner node above that
// bottom is followed by its two children (its hash is not stored, decode()
// computes it); at the bottom an inner node is given by its hash, its own
// record holding what is below.
struct GroupRecord {
  std::vector<ChildRef> nodes;  // nodes[0]: the inner node the record is of
  Bytes encode() const;
  // Refuses a malformed record, and a shape the tree never has (an inner
  // node with fewer than two entries below it, a leaf beside an empty
  // sibling); every expanded inner node's hash filled in. `depth`: the
  // depth of nodes[0], a group depth.
  static Result<GroupRecord> decode(ByteView bytes, unsigned depth);
};

// The value under the empty key: the format, the root and how many entries
// the tree holds.
struct RootRecord {
  static constexpr uint8_t kFormat = 0x10;  // grouped records; 0x0-0x2: one record per inner node
  ChildRef root;
  uint64_t size = 0;
  Bytes encode() const;
  // nullopt for a root record of the earlier format, one record per inner
  // node, whose tree is to be written again.
  static Result<std::optional<RootRecord>> decode(ByteView bytes);
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
