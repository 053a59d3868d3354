// The joining side of state sync: collects the chunks of one snapshot,
// each verified on arrival against the anchor's certified state root
// (snapshot_chunk.h), until the whole state is there. A chunk that fails
// is refused with the reason, and the caller asks another peer for it.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "crypto/basics/result.h"
#include "ledger/snapshot_anchor.h"
#include "ledger/snapshot_chunk.h"

namespace nl::ledger {

class SnapshotAssembly {
 public:
  // `anchor` must have passed verify_snapshot_anchor.
  explicit SnapshotAssembly(SnapshotAnchor anchor);

  const SnapshotAnchor& anchor() const { return anchor_; }
  uint32_t chunk_count() const { return static_cast<uint32_t>(chunks_.size()); }
  // Verifies and keeps chunk `index`; a chunk already held is not replaced.
  Status add(uint32_t index, SnapshotChunk chunk);
  bool has(uint32_t index) const { return index < chunks_.size() && chunks_[index].has_value(); }
  // The chunks not yet held, ascending.
  std::vector<uint32_t> missing() const;
  bool complete() const { return held_ == chunks_.size(); }
  // Every entry of the state, chunk by chunk; requires complete().
  std::vector<StateMultiproof::Entry> take_entries();

 private:
  SnapshotAnchor anchor_;
  std::vector<std::optional<std::vector<StateMultiproof::Entry>>> chunks_;
  uint32_t held_ = 0;
};

}  // namespace nl::ledger
