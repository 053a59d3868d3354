#include "node/mempool.h"

#include <algorithm>

namespace nl::node {

using ledger::Transaction;

Mempool::Mempool(MempoolOptions opts) : opts_(opts), committed_ids_(opts.committed_ids_kept) {}

Mempool::~Mempool() { stop(); }

bool Mempool::merge_signatures(Transaction& into, const Transaction& from) {
  auto by_key = [](const ledger::TxSignature& a, const ledger::TxSignature& b) { return a.key < b.key; };
  bool added = false;
  for (const auto& s : from.signatures) {
    auto it = std::lower_bound(into.signatures.begin(), into.signatures.end(), s, by_key);
    if (it != into.signatures.end() && it->key == s.key) continue;  // this key has signed already
    if (into.signatures.size() >= ledger::max_signatures(ledger::body_kind(into.body))) break;
    it = into.signatures.insert(it, s);
    // A transaction past the size cap could not be decoded back from a block.
    if (into.encode().size() > ledger::kMaxTxBytes) {
      into.signatures.erase(it);
      break;
    }
    added = true;
  }
  return added;
}

Mempool::Added Mempool::add(Transaction tx, SubmitCallback done) {
  const crypto::Hash32 id = tx.id();
  const char* refusal;
  {
    std::lock_guard lk(m_);
    if (stopped_) {
      refusal = "node is shutting down";
    } else if (auto it = index_.find(id); it != index_.end()) {
      // The same transaction is already waiting: one entry, one answer for all.
      Entry& e = *it->second;
      const bool merged = merge_signatures(e.tx, tx);
      if (merged) {
        bytes_ -= e.bytes;
        e.bytes = e.tx.encode().size();
        bytes_ += e.bytes;
      }
      if (done) {
        e.done.push_back(std::move(done));
        ++callbacks_;
      }
      return merged ? Added::merged : Added::duplicate;
    } else {
      const size_t bytes = tx.encode().size();
      if (queue_.size() < opts_.capacity && bytes_ + bytes <= opts_.max_bytes) {
        queue_.push_back({id, std::move(tx), bytes, {}});
        if (done) {
          queue_.back().done.push_back(std::move(done));
          ++callbacks_;
        }
        index_.emplace(id, std::prev(queue_.end()));
        bytes_ += bytes;
        return Added::fresh;
      }
      refusal = "mempool is full; retry later";
    }
  }
  if (done) done({SubmitResult::Outcome::unavailable, id, 0, refusal});
  return Added::refused;
}

bool Mempool::add_evidence(ledger::Evidence ev) {
  std::lock_guard lk(m_);
  if (stopped_ || evidence_.size() >= opts_.max_evidence) return false;
  evidence_.emplace(ev.id(), std::move(ev));
  return true;
}

std::vector<Transaction> Mempool::select(size_t max_txs, size_t max_bytes) const {
  std::vector<Transaction> out;
  std::lock_guard lk(m_);
  size_t bytes = 0;
  for (const Entry& e : queue_) {
    if (out.size() >= max_txs || bytes + e.bytes > max_bytes) break;
    bytes += e.bytes;
    out.push_back(e.tx);
  }
  return out;
}

std::vector<ledger::Evidence> Mempool::select_evidence(uint64_t next_height, size_t max_evidence) const {
  std::vector<ledger::Evidence> out;
  std::lock_guard lk(m_);
  for (const auto& [id, ev] : evidence_) {
    if (out.size() >= max_evidence) break;
    if (ev.a.height < next_height) out.push_back(ev);
  }
  return out;
}

bool Mempool::verified(const Transaction& tx) const { return verified(tx, tx.id()); }

bool Mempool::verified(const Transaction& tx, const crypto::Hash32& id) const {
  std::lock_guard lk(m_);
  auto it = index_.find(id);
  if (it == index_.end()) return false;
  const auto& held = it->second->tx.signatures;
  for (const auto& s : tx.signatures)
    if (std::find(held.begin(), held.end(), s) == held.end()) return false;
  return true;
}

std::vector<SubmitCallback> Mempool::take_locked(std::map<crypto::Hash32, std::list<Entry>::iterator>::iterator it) {
  auto entry = it->second;
  std::vector<SubmitCallback> done = std::move(entry->done);
  callbacks_ -= done.size();
  bytes_ -= entry->bytes;
  queue_.erase(entry);
  index_.erase(it);
  return done;
}

void Mempool::deliver(std::vector<Answer>& answers) {
  for (auto& [done, result] : answers)
    for (auto& cb : done) cb(result);
}

void Mempool::remove_committed(const ledger::Block& block) {
  const uint64_t height = block.header.height;
  std::vector<Answer> answers;
  {
    std::lock_guard lk(m_);
    for (const auto& tx : block.txs) {
      const crypto::Hash32 id = tx.id();
      committed_ids_.insert(id);
      auto it = index_.find(id);
      if (it == index_.end()) continue;
      answers.emplace_back(take_locked(it), SubmitResult{SubmitResult::Outcome::committed, id, height, ""});
    }
    for (const auto& ev : block.evidence) evidence_.erase(ev.id());
  }
  deliver(answers);
}

std::vector<ledger::EvidenceRejection> Mempool::recheck(ledger::Chain& chain, uint64_t time) {
  std::vector<Transaction> txs;
  std::vector<ledger::Evidence> evidence;
  const uint64_t next = chain.height() + 1;
  {
    std::lock_guard lk(m_);
    txs.reserve(std::min(queue_.size(), opts_.recheck_max));
    for (const Entry& e : queue_) {
      if (txs.size() >= opts_.recheck_max) break;
      txs.push_back(e.tx);
    }
    for (const auto& [id, ev] : evidence_)
      if (ev.a.height < next) evidence.push_back(ev);
  }
  if (txs.empty() && evidence.empty()) return {};

  // Run in order on the registry alone, then undone: no block is built and
  // the state commitment is left alone.
  auto run = chain.dry_run(txs, time, ledger::SignatureCheck::already_verified, evidence);
  if (!run) return {};  // a proposal is pending: the next re-check runs
  std::vector<ledger::Rejection>& rejected = run->rejected;
  std::vector<ledger::EvidenceRejection>& rejected_evidence = run->rejected_evidence;

  // How many signatures each refused transaction had when it was run.
  std::map<crypto::Hash32, size_t> sigs_run;
  for (const auto& r : rejected) sigs_run.emplace(r.tx_id, 0);
  if (!rejected.empty())
    for (const auto& tx : txs)
      if (auto it = sigs_run.find(tx.id()); it != sigs_run.end()) it->second = tx.signatures.size();

  std::vector<Answer> answers;
  {
    std::lock_guard lk(m_);
    for (const auto& r : rejected) {
      auto it = index_.find(r.tx_id);
      if (it == index_.end()) continue;
      // A copy brought a signature meanwhile (a co-signature, say): the
      // refusal may no longer hold; the next recheck decides.
      if (it->second->tx.signatures.size() != sigs_run[r.tx_id]) continue;
      SubmitResult result{SubmitResult::Outcome::rejected, r.tx_id, 0, r.reason};
      if (auto loc = chain.store().find_tx(r.tx_id))
        result = {SubmitResult::Outcome::committed, r.tx_id, loc->height, ""};
      answers.emplace_back(take_locked(it), std::move(result));
    }
    for (const auto& r : rejected_evidence) evidence_.erase(r.evidence_id);
  }
  deliver(answers);
  return std::move(rejected_evidence);
}

void Mempool::stop() {
  std::vector<Answer> answers;
  {
    std::lock_guard lk(m_);
    stopped_ = true;
    for (Entry& e : queue_)
      answers.emplace_back(std::move(e.done),
                           SubmitResult{SubmitResult::Outcome::unavailable, e.id, 0, "node is shutting down; resubmit"});
    queue_.clear();
    index_.clear();
    evidence_.clear();
    bytes_ = 0;
    callbacks_ = 0;
  }
  deliver(answers);
}

size_t Mempool::size() const {
  std::lock_guard lk(m_);
  return queue_.size();
}

size_t Mempool::pending_callbacks() const {
  std::lock_guard lk(m_);
  return callbacks_;
}

size_t Mempool::evidence_pending() const {
  std::lock_guard lk(m_);
  return evidence_.size();
}

}  // namespace nl::node
