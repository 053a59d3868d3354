#include "consensus/sim/crash_point_wal.h"

#include <limits>

namespace nl::consensus::sim {

Status CrashPointWal::append(const WalEntry& e) {
  Status s = durable_.append(e);
  if (!s && armed_) crashed_ = true;
  return s;
}

Result<std::vector<WalEntry>> CrashPointWal::load() { return durable_.load(); }

Status CrashPointWal::prune_below(uint64_t height) { return durable_.prune_below(height); }

void CrashPointWal::crash_after(uint64_t appends) {
  armed_ = true;
  durable_.fail_after(appends);
}

void CrashPointWal::reset() {
  armed_ = false;
  crashed_ = false;
  // MemoryWal has no way to disarm; a count no run reaches does the same.
  durable_.fail_after(std::numeric_limits<uint64_t>::max());
}

}  // namespace nl::consensus::sim
