#include "consensus/sim/crash_point_wal.h"

namespace nl::consensus::sim {

Status CrashPointWal::append(const WalEntry& e) {
  if (crashed_) return fail("simulated crash: this engine is dead");
  if (!armed_ || remaining_-- > 0) return durable_.append(e);
  if (auto s = durable_.append(e); !s) return s;
  crashed_ = true;
  return fail("simulated crash after the write-ahead log append, before sending");
}

Result<std::vector<WalEntry>> CrashPointWal::load() { return durable_.load(); }

Status CrashPointWal::prune_below(uint64_t height) { return durable_.prune_below(height); }

void CrashPointWal::crash_after(uint64_t appends) {
  armed_ = true;
  remaining_ = appends;
}

void CrashPointWal::reset() {
  armed_ = false;
  crashed_ = false;
}

}  // namespace nl::consensus::sim
