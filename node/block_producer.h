// Single-validator block production: transactions wait in a bounded
// mempool; a block is made as soon as some wait (after a short batching
// window), and an empty one at most every `empty_block_interval` so that
// time-based lease expiry advances. Each block is certified with this
// validator's precommit signature, the same certificate format a
// multi-validator network produces.
#pragma once
#include <chrono>
#include <condition_variable>
#include <atomic>
#include <deque>
#include <map>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <thread>

#include "crypto/ed25519.h"
#include "ledger/chain.h"

namespace nl::node {

struct SubmitResult {
  enum class Outcome { committed, rejected, unavailable } outcome = Outcome::rejected;
  crypto::Hash32 tx_id;
  uint64_t height = 0;
  std::string reason;
};
using SubmitCallback = std::function<void(SubmitResult)>;

struct ProducerOptions {
  std::chrono::milliseconds batch_window{20};
  std::chrono::milliseconds empty_block_interval{2000};
  size_t mempool_capacity = 20000;
};

class BlockProducer {
 public:
  BlockProducer(ledger::Chain& chain, crypto::SecretKey validator_key, ProducerOptions opts);
  ~BlockProducer();

  void start();
  void stop();  // finishes the block in progress, then returns

  // The transaction's signatures must already verify. `done` is called once,
  // from the producer thread, when the transaction commits or is refused.
  void submit(ledger::Transaction tx, SubmitCallback done);

  // Readers of chain state hold this shared; the producer holds it unique
  // while it applies and commits a block.
  std::shared_mutex& state_mutex() { return state_mutex_; }
  size_t mempool_size() const;
  uint64_t blocks_produced() const { return produced_; }

  // Produces one block from whatever is pending, now (tests, benchmarks).
  Status produce_once();

 private:
  void run();
  struct Pending {
    ledger::Transaction tx;
    SubmitCallback done;
  };

  ledger::Chain& chain_;
  crypto::SecretKey key_;
  ProducerOptions opts_;
  std::shared_mutex state_mutex_;
  mutable std::mutex queue_mutex_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  std::thread thread_;
  std::atomic<uint64_t> produced_{0};
};

}  // namespace nl::node
