#include "node/driver/mempool.h"

#include <algorithm>
#include <set>

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

Mempool::Added Mempool::add(Transaction tx, SubmitCallback done, std::string* why_out) {
  const crypto::Hash32 id = tx.id();
  std::string refusal;
  bool conflict = false;
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
      auto& mine = by_account_[tx.signer];
      std::string why;
      if (auto taken = mine.find(tx.nonce); taken != mine.end()) {
        why = "nonce " + std::to_string(tx.nonce) + " of " + tx.signer.to_string() +
              " is taken by waiting transaction " + taken->second->id.hex();
        conflict = true;
      } else if (mine.size() >= opts_.max_per_account) {
        why = tx.signer.to_string() + " has " + std::to_string(mine.size()) +
              " transactions waiting, the most one account may; retry when some commit";
      } else if (queue_.size() < opts_.capacity && bytes_ + bytes <= opts_.max_bytes) {
        const ledger::AccountId signer = tx.signer;
        const uint64_t nonce = tx.nonce;
        queue_.push_back({id, std::move(tx), bytes, {}, Clock::now()});
        if (done) {
          queue_.back().done.push_back(std::move(done));
          ++callbacks_;
        }
        index_.emplace(id, std::prev(queue_.end()));
        by_account_[signer].emplace(nonce, std::prev(queue_.end()));
        bytes_ += bytes;
        return Added::fresh;
      } else {
        why = "mempool is full; retry later";
      }
      if (mine.empty()) by_account_.erase(tx.signer);
      refusal = std::move(why);
    }
  }
  if (why_out) {
    *why_out = std::move(refusal);
  } else if (done) {
    done({conflict ? SubmitResult::Outcome::rejected : SubmitResult::Outcome::unavailable, id, 0, refusal});
  }
  return conflict ? Added::conflict : Added::refused;
}

bool Mempool::add_evidence(ledger::Evidence ev) {
  std::lock_guard lk(m_);
  if (stopped_ || evidence_.size() >= opts_.max_evidence) return false;
  evidence_.emplace(ev.id(), std::move(ev));
  return true;
}

std::vector<const Mempool::Entry*> Mempool::ordered_locked(const NextNonce& next_nonce,
                                                         const std::function<bool(const Entry&)>& stop) const {
  std::vector<const Entry*> out;
  std::map<ledger::AccountId, uint64_t> expected;  // per account, the nonce its chain continues with
  for (const Entry& e : queue_) {
    const auto& mine = by_account_.at(e.tx.signer);
    auto [it, fresh] = expected.try_emplace(e.tx.signer, 0);
    if (fresh) it->second = next_nonce ? next_nonce(e.tx.signer) : mine.begin()->first;
    // Below: used already (or taken through its chain); above: waits for its predecessor.
    if (e.tx.nonce != it->second) continue;
    for (auto n = mine.find(e.tx.nonce); n != mine.end() && n->first == it->second; ++n, ++it->second) {
      if (stop(*n->second)) return out;
      out.push_back(&*n->second);
    }
  }
  return out;
}

std::vector<Transaction> Mempool::select(size_t max_txs, size_t max_bytes, const NextNonce& next_nonce) const {
  std::vector<Transaction> out;
  std::lock_guard lk(m_);
  size_t bytes = 0, count = 0;
  for (const Entry* e : ordered_locked(next_nonce, [&](const Entry& n) {
         if (count >= max_txs || bytes + n.bytes > max_bytes) return true;
         ++count;
         bytes += n.bytes;
         return false;
       }))
    out.push_back(e->tx);
  return out;
}

std::optional<crypto::Hash32> Mempool::nonce_holder(const ledger::AccountId& account, uint64_t nonce) const {
  std::lock_guard lk(m_);
  auto a = by_account_.find(account);
  if (a == by_account_.end()) return std::nullopt;
  auto n = a->second.find(nonce);
  if (n == a->second.end()) return std::nullopt;
  return n->second->id;
}

std::vector<ledger::Transaction> Mempool::waiting_of(const ledger::AccountId& account) const {
  std::lock_guard lk(m_);
  std::vector<ledger::Transaction> out;
  if (auto a = by_account_.find(account); a != by_account_.end())
    for (const auto& [nonce, entry] : a->second) out.push_back(entry->tx);
  return out;
}

bool Mempool::rotation_pending(const ledger::AccountId& account) const {
  std::lock_guard lk(m_);
  auto a = by_account_.find(account);
  if (a == by_account_.end()) return false;
  for (const auto& [nonce, e] : a->second)
    if (std::holds_alternative<ledger::RotateKeyBody>(e->tx.body)) return true;
  return false;
}

PoolStatus Mempool::status(const crypto::Hash32& id) const {
  std::lock_guard lk(m_);
  if (index_.contains(id)) return {PoolStatus::State::pending, ""};
  if (auto d = dropped_.find(id); d != dropped_.end()) return {PoolStatus::State::dropped, d->second};
  return {};
}

std::vector<ledger::Evidence> Mempool::select_evidence(uint64_t next_height, size_t max_evidence) const {
  std::vector<ledger::Evidence> out;
  std::lock_guard lk(m_);
  for (const auto& [id, ev] : evidence_) {
    if (out.size() >= max_evidence) break;
    if (ev.height() < next_height) out.push_back(ev);
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

std::vector<SubmitCallback> Mempool::take_locked(std::map<crypto::Hash32, Queue::iterator>::iterator it) {
  auto entry = it->second;
  std::vector<SubmitCallback> done = std::move(entry->done);
  callbacks_ -= done.size();
  bytes_ -= entry->bytes;
  auto a = by_account_.find(entry->tx.signer);
  a->second.erase(entry->tx.nonce);
  if (a->second.empty()) by_account_.erase(a);
  queue_.erase(entry);
  index_.erase(it);
  return done;
}

std::vector<SubmitCallback> Mempool::drop_locked(std::map<crypto::Hash32, Queue::iterator>::iterator it,
                                                 const std::string& reason) {
  if (dropped_.insert_or_assign(it->first, reason).second) dropped_order_.push_back(it->first);
  while (dropped_order_.size() > opts_.dropped_kept) {
    dropped_.erase(dropped_order_.front());
    dropped_order_.pop_front();
  }
  return take_locked(it);
}

void Mempool::deliver(std::vector<Answer>& answers) {
  for (auto& [done, result] : answers)
    for (auto& cb : done) cb(result);
}

std::vector<double> Mempool::remove_committed(const ledger::Block& block) {
  const uint64_t height = block.header.height;
  std::vector<Answer> answers;
  std::vector<double> waited;
  const Clock::time_point now = Clock::now();
  {
    std::lock_guard lk(m_);
    for (const auto& tx : block.txs) {
      const crypto::Hash32 id = tx.id();
      committed_ids_.insert(id);
      auto it = index_.find(id);
      if (it == index_.end()) continue;
      waited.push_back(std::chrono::duration<double>(now - it->second->arrived).count());
      answers.emplace_back(take_locked(it), SubmitResult{SubmitResult::Outcome::committed, id, height, ""});
    }
    for (const auto& ev : block.evidence) evidence_.erase(ev.id());
  }
  deliver(answers);
  return waited;
}

RecheckResult Mempool::recheck(ledger::Chain& chain, uint64_t time) {
  const ledger::Registry& reg = chain.registry();
  const auto next_nonce = [&](const ledger::AccountId& a) { return reg.next_nonce(a); };
  std::vector<Transaction> txs;
  std::vector<ledger::Evidence> evidence;
  std::vector<std::pair<crypto::Hash32, std::string>> to_drop;  // not run: nonce used, or waited too long
  const uint64_t next = chain.height() + 1;
  {
    std::lock_guard lk(m_);
    for (const Entry* e : ordered_locked(next_nonce, [&](const Entry&) { return txs.size() >= opts_.recheck_max; }))
      txs.push_back(e->tx);
    const auto now = Clock::now();
    for (const auto& [account, mine] : by_account_) {
      const uint64_t expected = reg.next_nonce(account);
      for (const auto& [nonce, e] : mine) {
        if (nonce < expected)
          to_drop.emplace_back(e->id, "nonce " + std::to_string(nonce) + " of " + account.to_string() +
                                          " was used by another committed transaction (the account expects " +
                                          std::to_string(expected) + ")");
        else if (nonce > expected && now - e->arrived > opts_.future_ttl && !mine.contains(nonce - 1))
          to_drop.emplace_back(e->id, "waited " + std::to_string(opts_.future_ttl.count()) + " s for nonce " +
                                          std::to_string(nonce - 1) + " of " + account.to_string() +
                                          ", which never came");
      }
    }
    for (const auto& [id, ev] : evidence_)
      if (ev.height() < next) evidence.push_back(ev);
  }
  RecheckResult out;
  std::vector<ledger::Rejection> rejected;
  if (!txs.empty() || !evidence.empty()) {
    // Run in order on the registry alone, then undone: no block is built
    // and the state commitment is left alone.
    auto run = chain.dry_run(txs, time, ledger::SignatureCheck::already_verified, evidence);
    rejected = std::move(run.rejected);
    out.dropped_evidence = std::move(run.rejected_evidence);
  }
  // A transaction refused only because an earlier nonce of its account was
  // refused waits (for a replacement of that nonce) instead.
  // Only refusals need the run's transactions by id (hashing 2,000 ids
  // after every commit for nothing would be a waste).
  std::map<crypto::Hash32, const Transaction*> run_by_id;
  if (!rejected.empty())
    for (const auto& tx : txs) run_by_id.emplace(tx.id(), &tx);
  std::set<ledger::AccountId> broken;
  for (const auto& r : rejected) {
    const Transaction& tx = *run_by_id.at(r.tx_id);
    if (!broken.insert(tx.signer).second) continue;
    to_drop.emplace_back(r.tx_id, r.reason);
  }

  std::vector<Answer> answers;
  {
    std::lock_guard lk(m_);
    for (const auto& [id, reason] : to_drop) {
      auto it = index_.find(id);
      if (it == index_.end()) continue;
      // A copy brought a signature meanwhile (a co-signature, say): the
      // refusal may no longer hold; the next recheck decides.
      if (auto ran = run_by_id.find(id);
          ran != run_by_id.end() && it->second->tx.signatures.size() != ran->second->signatures.size())
        continue;
      SubmitResult result{SubmitResult::Outcome::rejected, id, 0, reason};
      if (auto loc = chain.store().find_tx(id)) result = {SubmitResult::Outcome::committed, id, loc->height, ""};
      const bool committed = result.outcome == SubmitResult::Outcome::committed;
      answers.emplace_back(committed ? take_locked(it) : drop_locked(it, reason), result);
      if (!committed) out.dropped.push_back({id, reason});
    }
    for (const auto& r : out.dropped_evidence) evidence_.erase(r.evidence_id);
  }
  deliver(answers);
  return out;
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
    by_account_.clear();
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
