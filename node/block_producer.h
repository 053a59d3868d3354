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
#include <functional>
#include <list>
#include <map>
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
  // The mempool holds one entry per transaction id: a copy whose id is
  // already pending joins that entry (its signatures are merged in) and
  // gets the same answer as every other submitter of it.
  void submit(ledger::Transaction tx, SubmitCallback done);

  // Queues equivocation evidence for the next block whose height is above
  // the evidence's (one entry per evidence id; at most kMaxEvidenceQueue).
  // The block's rules may still refuse it (then it is dropped and logged).
  // False when the queue is full or the producer is stopping.
  bool submit_evidence(ledger::Evidence ev);
  size_t evidence_pending() const;
  static constexpr size_t kMaxEvidenceQueue = 1000;

  // Readers of chain state hold this shared; the producer holds it unique
  // while it applies and commits a block.
  std::shared_mutex& state_mutex() { return state_mutex_; }
  size_t mempool_size() const;       // distinct pending transactions
  size_t pending_callbacks() const;  // submitters waiting for an answer
  uint64_t blocks_produced() const { return produced_; }

  // Produces one block from whatever is pending, now (tests, benchmarks).
  Status produce_once();

 private:
  void run();
  struct Pending {
    crypto::Hash32 id;
    ledger::Transaction tx;
    std::vector<SubmitCallback> done;  // every submitter of this id
  };
  // Adds the signatures of `from` by keys `into` lacks, keeping the
  // canonical ascending key order and the encoding limits.
  static void merge_signatures(ledger::Transaction& into, const ledger::Transaction& from);

  // Evidence for heights below `next_height`, up to a block's worth,
  // taken out of the queue.
  std::vector<ledger::Evidence> take_evidence(uint64_t next_height);

  ledger::Chain& chain_;
  crypto::SecretKey key_;
  ProducerOptions opts_;
  std::shared_mutex state_mutex_;
  mutable std::mutex queue_mutex_;
  std::condition_variable cv_;
  std::list<Pending> queue_;  // insertion order
  std::map<crypto::Hash32, std::list<Pending>::iterator> index_;  // id -> entry in queue_
  std::map<crypto::Hash32, ledger::Evidence> evidence_;  // by id
  size_t callbacks_ = 0;
  bool stopping_ = false;
  std::thread thread_;
  std::atomic<uint64_t> produced_{0};
};

}  // namespace nl::node
