// The hashes and key bits of the state tree, shared by the tree itself and
// by the proof verifiers (whitepaper/encoding.md, "State commitment").
#pragma once
#include "crypto/basics/bytes.h"
#include "crypto/domain_tags.h"
#include "crypto/hash.h"

namespace nl::ledger::state_tree {

inline constexpr unsigned kMaxDepth = 256;

// Bit i of a key hash, MSB first: 0 goes left, 1 goes right at depth i.
inline unsigned bit_at(const crypto::Hash32& kh, unsigned i) { return (kh.b[i >> 3] >> (7 - (i & 7))) & 1u; }

inline crypto::Hash32 key_hash(ByteView key) { return crypto::tagged_hash(tags::kStateKey, key); }

inline crypto::Hash32 leaf_hash(const crypto::Hash32& kh, ByteView value) {
  return crypto::TaggedHasher(tags::kStateLeaf).add(kh).add(crypto::tagged_hash(tags::kStateLeaf, value)).finish();
}

inline crypto::Hash32 inner_hash(const crypto::Hash32& l, const crypto::Hash32& r) {
  return crypto::tagged_hash2(tags::kStateNode, l, r);
}

}  // namespace nl::ledger::state_tree
