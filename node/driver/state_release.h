// Frees the versions of the state tree that commits replace, on a thread
// of its own. A replaced version's nodes that no later version shares are
// thousands of allocations a block: about 5 % of the applying thread in
// block sync (whitepaper/results.md), while the other core has room.
#pragma once
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <thread>

#include "ledger/chain.h"

namespace nl::node {

class StateRelease {
 public:
  // At most `max_waiting` versions wait; past that the caller frees its own,
  // so a slow thread holds back a few blocks' nodes, never more.
  explicit StateRelease(size_t max_waiting = 4);
  // Frees what waits, then joins.
  ~StateRelease();
  StateRelease(const StateRelease&) = delete;
  StateRelease& operator=(const StateRelease&) = delete;

  void release(ledger::StateCommitment::Snapshot&& version);

  // Chain options whose commits hand their replaced versions to a new
  // StateRelease, which lives as long as the options and the chain do.
  static void install(ledger::ChainOptions& options, size_t max_waiting = 4);

 private:
  void run(std::stop_token stop);

  const size_t max_waiting_;
  std::mutex mu_;
  std::condition_variable_any cv_;
  std::deque<ledger::StateCommitment::Snapshot> waiting_;
  std::jthread thread_;  // last: started after the rest is built
};

}  // namespace nl::node
