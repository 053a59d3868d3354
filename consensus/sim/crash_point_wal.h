// The WAL a simulated validator's engine writes through. It forwards to the
// node's MemoryWal, which outlives every engine (it is the durable state a
// crash keeps). An armed crash point lets some appends through, then records
// the next one durably and reports failure: the engine halts without sending
// it and the node crashes before carrying out anything the engine returned.
// The record is on disk and was never sent, the hardest case for a restart.
#pragma once
#include "consensus/wal.h"

namespace nl::consensus::sim {

class CrashPointWal : public Wal {
 public:
  explicit CrashPointWal(MemoryWal& durable) : durable_(durable) {}
  Status append(const WalEntry& e) override;
  Result<std::vector<WalEntry>> load() override;
  Status prune_below(uint64_t height) override;

  // Let `appends` more appends succeed; record the next one, then crash.
  void crash_after(uint64_t appends);
  bool armed() const { return armed_; }
  bool crashed() const { return crashed_; }
  // After a restart: appends succeed again.
  void reset();

 private:
  MemoryWal& durable_;
  bool armed_ = false;
  bool crashed_ = false;
  uint64_t remaining_ = 0;
};

}  // namespace nl::consensus::sim
