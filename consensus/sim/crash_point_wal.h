// The WAL a simulated validator's engine writes through. It forwards to the
// node's MemoryWal, which outlives every engine (it is the durable state a
// crash keeps), and notices when an append fails: MemoryWal::fail_after
// makes one fail on purpose, and the node then crashes before carrying out
// anything the engine returned, so the message just logged is never sent.
#pragma once
#include "consensus/wal.h"

namespace nl::consensus::sim {

class CrashPointWal : public Wal {
 public:
  explicit CrashPointWal(MemoryWal& durable) : durable_(durable) {}
  Status append(const WalEntry& e) override;
  Result<std::vector<WalEntry>> load() override;
  Status prune_below(uint64_t height) override;

  // Let `appends` more appends succeed, then fail the next one.
  void crash_after(uint64_t appends);
  bool armed() const { return armed_; }
  bool crashed() const { return crashed_; }
  // After a restart: appends succeed again.
  void reset();

 private:
  MemoryWal& durable_;
  bool armed_ = false;
  bool crashed_ = false;
};

}  // namespace nl::consensus::sim
