#include "ledger/snapshot_assembly.h"

#include <string>

namespace nl::ledger {

SnapshotAssembly::SnapshotAssembly(SnapshotAnchor anchor)
    : anchor_(std::move(anchor)), chunks_(size_t{1} << anchor_.chunk_bits) {}

Status SnapshotAssembly::add(uint32_t index, SnapshotChunk chunk) {
  if (index >= chunks_.size())
    return fail("snapshot chunk " + std::to_string(index) + " is beyond the " + std::to_string(chunks_.size()) +
                " chunks of the snapshot");
  if (auto s = verify_snapshot_chunk(chunk, anchor_.base.header.state_root, anchor_.chunk_bits, index); !s) return s;
  if (chunks_[index]) return {};
  chunks_[index] = std::move(chunk.proof.entries);
  ++held_;
  return {};
}

std::vector<uint32_t> SnapshotAssembly::missing() const {
  std::vector<uint32_t> out;
  for (uint32_t i = 0; i < chunks_.size(); ++i)
    if (!chunks_[i]) out.push_back(i);
  return out;
}

std::vector<StateMultiproof::Entry> SnapshotAssembly::take_entries() {
  std::vector<StateMultiproof::Entry> out;
  for (auto& c : chunks_)
    if (c) {
      for (auto& e : *c) out.push_back(std::move(e));
      c.reset();
    }
  held_ = 0;
  return out;
}

}  // namespace nl::ledger
