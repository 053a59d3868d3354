// The serving side of state sync: the state of one committed height, cut
// in chunks (snapshot_chunk.h), with the anchor that certifies its root
// (snapshot_anchor.h). It holds its own copy-on-write view of the state
// tree and the entries, so it keeps serving that height while the chain
// commits more; chunk() is const and may run on any thread.
#pragma once
#include <cstdint>
#include <vector>

#include "crypto/basics/result.h"
#include "ledger/snapshot_anchor.h"
#include "ledger/snapshot_chunk.h"
#include "ledger/state_commitment.h"

namespace nl::ledger {

class SnapshotSource {
 public:
  // `chunks[i]` holds the entries of chunk i (of anchor.chunk_bits); `tree`
  // is the clean state tree of the anchor's height.
  SnapshotSource(SnapshotAnchor anchor, StateCommitment tree, std::vector<std::vector<StateMultiproof::Entry>> chunks)
      : anchor_(std::move(anchor)), tree_(std::move(tree)), chunks_(std::move(chunks)) {}

  const SnapshotAnchor& anchor() const { return anchor_; }
  uint64_t height() const { return anchor_.height(); }
  uint32_t chunk_count() const { return static_cast<uint32_t>(chunks_.size()); }
  size_t entry_count() const;

  Result<SnapshotChunk> chunk(uint32_t index) const;

 private:
  SnapshotAnchor anchor_;
  StateCommitment tree_;
  std::vector<std::vector<StateMultiproof::Entry>> chunks_;
};

}  // namespace nl::ledger
