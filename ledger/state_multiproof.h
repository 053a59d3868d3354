// A proof that several entries are in one state tree: the tree pruned to
// the paths of those entries, walked in pre-order (node, left, right).
// Shared upper nodes appear once, so k entries cost far less than k
// single-key proofs. Each node of the walk is one 2-bit code:
//   0 empty subtree (zero hash)     1 a subtree given by its hash
//   2 the next entry's leaf         3 an inner node: its left, then its right
// Canonical: a listed hash is never zero, every inner node has an entry
// below it, and no leaf sits beside an empty subtree (the tree never builds
// one there). So one set of entries under one root has one proof.
// Encoding (whitepaper/encoding.md, "State multiproof"):
//   u32 n || n × (bytes key || bytes value)
//   || u32 codes || ceil(codes / 4) bytes, first code in the top two bits
//   || u32 m || m × 32-byte hash
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "crypto/basics/result.h"
#include "crypto/hash.h"
#include "ledger/canonical.h"

namespace nl::ledger {

// What one proof may hold; a proof of control stays well inside them.
inline constexpr uint32_t kMaxMultiproofEntries = 4096;
inline constexpr uint32_t kMaxMultiproofCodes = 4 * 1024 * 1024;
inline constexpr uint32_t kMaxMultiproofHashes = 1024 * 1024;
inline constexpr uint32_t kMaxMultiproofValueBytes = 4096;

struct StateMultiproof {
  enum Code : uint8_t { empty = 0, hash = 1, leaf = 2, inner = 3 };
  struct Entry {
    Bytes key;
    Bytes value;
    auto operator<=>(const Entry&) const = default;
  };
  std::vector<Entry> entries;  // in the walk's order (ascending key hash)
  std::vector<uint8_t> codes;  // one Code per node of the walk
  std::vector<crypto::Hash32> hashes;  // one per `hash` code, in order

  auto operator<=>(const StateMultiproof&) const = default;
  // The same proof of only the entries `keep` accepts: each subtree left
  // with no entry becomes its hash, as prove_many() of those entries gives.
  // Refuses a malformed proof, or one left with no entry.
  Result<StateMultiproof> keep_only(const std::function<bool(const Entry&)>& keep) const;
  void encode(Writer& w) const;
  // A snapshot chunk reads larger values (snapshot_chunk.h).
  static StateMultiproof decode(Reader& r, uint32_t max_value_bytes = kMaxMultiproofValueBytes);
};

// The root the proof reaches, or why it is malformed (not canonical,
// entries out of place, codes or hashes left over or missing).
Result<crypto::Hash32> state_multiproof_root(const StateMultiproof& p);

}  // namespace nl::ledger
