#include "node/block_producer.h"

#include <cstdio>
#include <cstdlib>

namespace nl::node {

using namespace std::chrono;

BlockProducer::BlockProducer(ledger::Chain& chain, crypto::SecretKey validator_key,
                             ProducerOptions opts)
    : chain_(chain), key_(std::move(validator_key)), opts_(opts) {}

BlockProducer::~BlockProducer() { stop(); }

void BlockProducer::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

void BlockProducer::stop() {
  {
    std::lock_guard<std::mutex> lk(queue_mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  // Whatever never made it into a block is answered, not dropped silently.
  std::deque<Pending> left;
  {
    std::lock_guard<std::mutex> lk(queue_mutex_);
    left.swap(queue_);
  }
  for (auto& p : left)
    p.done({SubmitResult::Outcome::unavailable, p.tx.id(), 0, "node is shutting down; resubmit"});
}

size_t BlockProducer::mempool_size() const {
  std::lock_guard<std::mutex> lk(queue_mutex_);
  return queue_.size();
}

void BlockProducer::submit(ledger::Transaction tx, SubmitCallback done) {
  {
    std::lock_guard<std::mutex> lk(queue_mutex_);
    if (!stopping_ && queue_.size() < opts_.mempool_capacity) {
      queue_.push_back({std::move(tx), std::move(done)});
      cv_.notify_all();
      return;
    }
  }
  done({SubmitResult::Outcome::unavailable, tx.id(), 0,
        stopping_ ? "node is shutting down" : "mempool is full; retry later"});
}

Status BlockProducer::produce_once() {
  std::deque<Pending> batch;
  {
    std::lock_guard<std::mutex> lk(queue_mutex_);
    size_t n = std::min(queue_.size(), size_t{ledger::kMaxBlockTxs});
    for (size_t i = 0; i < n; ++i) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
  }
  std::vector<ledger::Transaction> txs;
  txs.reserve(batch.size());
  for (const auto& p : batch) txs.push_back(p.tx);

  ledger::ProposedBlock proposed;
  uint64_t height;
  {
    std::unique_lock<std::shared_mutex> lk(state_mutex_);
    uint64_t now = static_cast<uint64_t>(duration_cast<seconds>(system_clock::now().time_since_epoch()).count());
    proposed = chain_.propose(txs, now, key_.public_key(), ledger::SignatureCheck::already_verified);
    ledger::CommitCertificate cert;
    cert.height = proposed.block.header.height;
    cert.round = 0;
    cert.block_hash = proposed.block.header.hash();
    cert.votes.push_back({key_.public_key(),
                          key_.sign(ledger::vote_sign_bytes(chain_.genesis().chain_id, cert.height, 0,
                                                            ledger::VoteType::precommit, cert.block_hash))});
    if (auto s = chain_.commit(proposed, cert); !s) {
      // The live state already holds this block's effects; continuing would
      // serve state that is not on disk. Stop hard: a restart reloads the
      // last committed block.
      std::fprintf(stderr, "numledgerd: FATAL: cannot commit block %llu: %s\n",
                   static_cast<unsigned long long>(cert.height), s.error().c_str());
      std::_Exit(70);
    }
    height = cert.height;
  }
  if (!proposed.block.txs.empty() || !proposed.rejected.empty())
    std::fprintf(stderr, "numledgerd: height %llu: %zu committed, %zu refused\n",
                 static_cast<unsigned long long>(height), proposed.block.txs.size(), proposed.rejected.size());
  ++produced_;
  std::map<crypto::Hash32, std::string> refused;
  for (const auto& r : proposed.rejected) refused.emplace(r.tx_id, r.reason);
  for (auto& p : batch) {
    auto id = p.tx.id();
    auto it = refused.find(id);
    if (it == refused.end())
      p.done({SubmitResult::Outcome::committed, id, height, ""});
    else
      p.done({SubmitResult::Outcome::rejected, id, 0, it->second});
  }
  return {};
}

void BlockProducer::run() {
  auto last_block = steady_clock::now();
  while (true) {
    {
      std::unique_lock<std::mutex> lk(queue_mutex_);
      cv_.wait_until(lk, last_block + opts_.empty_block_interval,
                     [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      if (!queue_.empty()) {
        // Gather what arrives in the batching window into the same block.
        cv_.wait_for(lk, opts_.batch_window, [&] { return stopping_; });
      }
    }
    (void)produce_once();
    last_block = steady_clock::now();
  }
}

}  // namespace nl::node
