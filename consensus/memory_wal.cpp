#include "consensus/wal.h"

namespace nl::consensus {

Status MemoryWal::append(const WalEntry& e) {
  if (fail_after_) {
    if (*fail_after_ == 0) return fail("simulated crash before the write-ahead log append");
    --*fail_after_;
  }
  entries_.push_back(e);
  return {};
}

Result<std::vector<WalEntry>> MemoryWal::load() { return entries_; }

Status MemoryWal::prune_below(uint64_t height) {
  std::erase_if(entries_, [&](const WalEntry& e) { return wal_entry_height(e) < height; });
  return {};
}

}  // namespace nl::consensus
