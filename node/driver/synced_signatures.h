// The transactions' signatures of a block-sync answer, checked on helper
// threads in block order while the caller applies the blocks one by one:
// block k is applied while the next ones' signatures are checked, so a run
// of synced blocks costs about the larger of the two instead of their sum
// (checked all first on both cores, then applied on one, the other core
// idled through every apply).
//
// Only the blocks that follow height `tip` without a gap are checked: the
// rest are skipped or refused by apply_synced_blocks, so a bad answer costs
// no checks. The mempool's verified transactions are not checked again; a
// failed check is left unset, so the chain checks it once more and names
// the reason.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "ledger/prepared_block.h"
#include "node/driver/mempool.h"
#include "node/transport/p2p_message.h"

namespace nl::node {

class SyncedSignatures {
 public:
  // Starts the checks on up to `threads - 1` helper threads (none for a
  // handful, or threads <= 1: then block() checks on the caller's thread).
  // `answer` must outlive this.
  SyncedSignatures(const Mempool& mempool, const std::vector<p2p::CertifiedBlock>& answer, size_t threads,
                   uint64_t tip);
  // Stops the helpers (a refused block leaves the rest unchecked) and joins them.
  ~SyncedSignatures();
  SyncedSignatures(const SyncedSignatures&) = delete;
  SyncedSignatures& operator=(const SyncedSignatures&) = delete;

  // Block b's flags, every check of it done: the caller checks the ones
  // no helper has taken yet and waits for the rest.
  const ledger::TxsVerified& block(size_t b);
  // Every block's flags.
  std::vector<ledger::TxsVerified> all();

 private:
  // Checks chunk c and publishes it.
  void check_chunk(size_t c);
  // Takes chunks while any below `until` is left (helpers: all of them).
  void take_chunks(size_t until);

  std::vector<ledger::TxsVerified> flags_;
  std::vector<char> final_;                         // per block: flags_ filled from the checks
  std::vector<const ledger::Transaction*> to_check_;
  std::vector<std::pair<size_t, size_t>> where_;     // (block, tx) of each of to_check_
  std::vector<size_t> first_, end_;                  // per block: its range in to_check_
  std::vector<char> ok_;                             // per to_check_: its signatures verify
  size_t chunks_ = 0;
  std::unique_ptr<std::atomic<bool>[]> done_;        // per chunk: its ok_ are written
  std::atomic<size_t> next_{0};                      // the first chunk no thread has taken
  std::atomic<bool> stop_{false};
  std::vector<std::jthread> helpers_;
};

}  // namespace nl::node
