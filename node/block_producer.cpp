#include "node/block_producer.h"

#include <algorithm>
#include <cstdio>
#include <iterator>
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
  std::list<Pending> left;
  {
    std::lock_guard<std::mutex> lk(queue_mutex_);
    left.swap(queue_);
    index_.clear();
    callbacks_ = 0;
  }
  for (auto& p : left)
    for (auto& done : p.done)
      done({SubmitResult::Outcome::unavailable, p.id, 0, "node is shutting down; resubmit"});
}

size_t BlockProducer::mempool_size() const {
  std::lock_guard<std::mutex> lk(queue_mutex_);
  return queue_.size();
}

size_t BlockProducer::pending_callbacks() const {
  std::lock_guard<std::mutex> lk(queue_mutex_);
  return callbacks_;
}

void BlockProducer::merge_signatures(ledger::Transaction& into, const ledger::Transaction& from) {
  auto by_key = [](const ledger::TxSignature& a, const ledger::TxSignature& b) { return a.key < b.key; };
  for (const auto& s : from.signatures) {
    auto it = std::lower_bound(into.signatures.begin(), into.signatures.end(), s, by_key);
    if (it != into.signatures.end() && it->key == s.key) continue;  // this key has signed already
    if (into.signatures.size() >= ledger::max_signatures(ledger::body_kind(into.body))) return;
    it = into.signatures.insert(it, s);
    // A transaction past the size cap could not be decoded back from a block.
    if (into.encode().size() > ledger::kMaxTxBytes) {
      into.signatures.erase(it);
      return;
    }
  }
}

void BlockProducer::submit(ledger::Transaction tx, SubmitCallback done) {
  auto id = tx.id();
  const char* refusal;
  {
    std::lock_guard<std::mutex> lk(queue_mutex_);
    if (stopping_) {
      refusal = "node is shutting down";
    } else if (auto it = index_.find(id); it != index_.end()) {
      // The same transaction is already waiting: one entry, one answer for all.
      Pending& p = *it->second;
      merge_signatures(p.tx, tx);
      p.done.push_back(std::move(done));
      ++callbacks_;
      return;
    } else if (queue_.size() < opts_.mempool_capacity) {
      queue_.push_back({id, std::move(tx), {}});
      queue_.back().done.push_back(std::move(done));
      index_.emplace(id, std::prev(queue_.end()));
      ++callbacks_;
      cv_.notify_all();
      return;
    } else {
      refusal = "mempool is full; retry later";
    }
  }
  done({SubmitResult::Outcome::unavailable, id, 0, refusal});
}

bool BlockProducer::submit_evidence(ledger::Evidence ev) {
  {
    std::lock_guard<std::mutex> lk(queue_mutex_);
    if (stopping_ || evidence_.size() >= kMaxEvidenceQueue) return false;
    evidence_.emplace(ev.id(), std::move(ev));
  }
  cv_.notify_all();
  return true;
}

size_t BlockProducer::evidence_pending() const {
  std::lock_guard<std::mutex> lk(queue_mutex_);
  return evidence_.size();
}

std::vector<ledger::Evidence> BlockProducer::take_evidence(uint64_t next_height) {
  std::vector<ledger::Evidence> out;
  std::lock_guard<std::mutex> lk(queue_mutex_);
  for (auto it = evidence_.begin(); it != evidence_.end() && out.size() < ledger::kMaxBlockEvidence;) {
    if (it->second.a.height < next_height) {
      out.push_back(std::move(it->second));
      it = evidence_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

Status BlockProducer::produce_once() {
  {
    // This producer certifies alone: once a validator-update leaves its key
    // short of more than 2/3 of the next height's power, it must stop
    // rather than commit a block it cannot certify.
    std::shared_lock<std::shared_mutex> lk(state_mutex_);
    const uint64_t next = chain_.height() + 1;
    const ledger::ValidatorSet& set = chain_.validators_at(next);
    if (!set.more_than_two_thirds(set.power_of({key_.public_key()})))
      return fail("this validator alone no longer holds more than 2/3 of the voting power at height " +
                  std::to_string(next) + "; single-validator production stops");
  }
  std::list<Pending> batch;
  {
    std::lock_guard<std::mutex> lk(queue_mutex_);
    auto last = queue_.begin();
    std::advance(last, std::min(queue_.size(), size_t{ledger::kMaxBlockTxs}));
    for (auto it = queue_.begin(); it != last; ++it) {
      index_.erase(it->id);
      callbacks_ -= it->done.size();
    }
    batch.splice(batch.end(), queue_, queue_.begin(), last);
  }
  std::vector<ledger::Transaction> txs;
  txs.reserve(batch.size());
  for (auto& p : batch) txs.push_back(std::move(p.tx));  // only p.id and p.done are read later

  ledger::ProposedBlock proposed;
  uint64_t height;
  // Refused ids; a refused transaction whose id is committed anyway (a copy
  // that was already in an earlier block) is answered with that block.
  std::map<crypto::Hash32, SubmitResult> refused;
  {
    std::unique_lock<std::shared_mutex> lk(state_mutex_);
    uint64_t now = static_cast<uint64_t>(duration_cast<seconds>(system_clock::now().time_since_epoch()).count());
    proposed = chain_.propose(txs, now, key_.public_key(), ledger::SignatureCheck::already_verified,
                              take_evidence(chain_.height() + 1));
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
    for (const auto& r : proposed.rejected) {
      if (auto loc = chain_.store().find_tx(r.tx_id))
        refused.emplace(r.tx_id, SubmitResult{SubmitResult::Outcome::committed, r.tx_id, loc->height, ""});
      else
        refused.emplace(r.tx_id, SubmitResult{SubmitResult::Outcome::rejected, r.tx_id, 0, r.reason});
    }
  }
  if (!proposed.block.txs.empty() || !proposed.rejected.empty())
    std::fprintf(stderr, "numledgerd: height %llu: %zu committed, %zu refused\n",
                 static_cast<unsigned long long>(height), proposed.block.txs.size(), proposed.rejected.size());
  if (!proposed.block.evidence.empty())
    std::fprintf(stderr, "numledgerd: height %llu: %zu evidence committed\n", static_cast<unsigned long long>(height),
                 proposed.block.evidence.size());
  for (const auto& r : proposed.rejected_evidence)
    std::fprintf(stderr, "numledgerd: height %llu: evidence %s dropped: %s\n", static_cast<unsigned long long>(height),
                 r.evidence_id.hex().c_str(), r.reason.c_str());
  ++produced_;
  for (auto& p : batch) {
    auto it = refused.find(p.id);
    SubmitResult r = it == refused.end() ? SubmitResult{SubmitResult::Outcome::committed, p.id, height, ""}
                                         : it->second;
    for (auto& done : p.done) done(r);
  }
  return {};
}

void BlockProducer::run() {
  auto last_block = steady_clock::now();
  std::string last_error;
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
    // A refusal repeats every round while it lasts: say it once.
    if (auto s = produce_once(); !s && s.error() != last_error) {
      std::fprintf(stderr, "numledgerd: %s\n", s.error().c_str());
      last_error = s.error();
    } else if (s) {
      last_error.clear();
    }
    last_block = steady_clock::now();
  }
}

}  // namespace nl::node
