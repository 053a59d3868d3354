#include "ledger/snapshot_source.h"

#include <string>

namespace nl::ledger {

size_t SnapshotSource::entry_count() const {
  size_t n = 0;
  for (const auto& c : chunks_) n += c.size();
  return n;
}

Result<SnapshotChunk> SnapshotSource::chunk(uint32_t index) const {
  if (index >= chunks_.size())
    return fail("snapshot of height " + std::to_string(height()) + " has " + std::to_string(chunks_.size()) +
                " chunks; there is no chunk " + std::to_string(index));
  auto proof = tree_.prove_many(chunks_[index]);
  if (!proof) return fail("internal: snapshot chunk " + std::to_string(index) + " holds a key the state lacks");
  return SnapshotChunk{anchor_.chunk_bits, index, std::move(*proof)};
}

}  // namespace nl::ledger
