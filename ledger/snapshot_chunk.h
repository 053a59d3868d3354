// A chunk of a state snapshot, for state sync: the state's entries cut by
// the first `bits` bits of their key hash (state_commitment.h), so chunk i
// holds every entry whose key hash starts with i, in one state multiproof
// against the snapshot's state root. A verifier checks each chunk on its
// own: the proof reaches the root, every entry starts with i, and no
// subtree the proof gives only by its hash can hold a key starting with i,
// so nothing of the chunk's range is left out. The 2^bits chunks together
// are the whole state.
// Encoding (whitepaper/encoding.md, "Snapshot chunk"):
//   u8 bits || u32 index || StateMultiproof (values <= kMaxChunkValueBytes)
#pragma once
#include <cstdint>
#include <vector>

#include "crypto/basics/result.h"
#include "crypto/hash.h"
#include "ledger/canonical.h"
#include "ledger/state_multiproof.h"

namespace nl::ledger {

// At most 2^16 chunks; a chunk holds 1..kMaxMultiproofEntries entries.
inline constexpr uint8_t kMaxChunkBits = 16;
// The chunk size a snapshot aims at: the state is cut in as many chunks as
// leave about this many entries in each (and none empty).
inline constexpr uint32_t kChunkTargetEntries = 1024;
// A state value may be larger than a proof of control reads (a validator
// set of 256 is ~10 KB).
inline constexpr uint32_t kMaxChunkValueBytes = 64 * 1024;

struct SnapshotChunk {
  uint8_t bits = 0;
  uint32_t index = 0;
  StateMultiproof proof;

  auto operator<=>(const SnapshotChunk&) const = default;
  void encode(Writer& w) const;
  static SnapshotChunk decode(Reader& r);
};

// The first `bits` bits of a key hash, as a number (bits <= 32).
uint32_t key_hash_prefix(const crypto::Hash32& key_hash, uint8_t bits);

// How finely to cut a state whose key hashes are `key_hashes` (sorted
// ascending): the most bits that leave every chunk non-empty and about
// kChunkTargetEntries or more in each on average. Refuses a state whose
// densest chunk would hold more than kMaxMultiproofEntries.
Result<uint8_t> choose_chunk_bits(const std::vector<crypto::Hash32>& sorted_key_hashes);

// Checks chunk `expected_index` of a snapshot cut in `bits` bits against
// `state_root`; says precisely what is wrong (for the penalty's log).
Status verify_snapshot_chunk(const SnapshotChunk& chunk, const crypto::Hash32& state_root, uint8_t bits,
                             uint32_t expected_index);

}  // namespace nl::ledger
