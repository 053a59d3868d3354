// The mempool: transactions waiting for a block, one entry per transaction
// id, in arrival order, and the equivocation evidence waiting for one.
// Copies of a waiting transaction join its entry (their signatures are
// merged in) and every submitter is answered once: when the transaction
// commits, when the rules refuse it after a block changed the state (it is
// dropped, and the reason kept for status()), or when the node stops. It is
// bounded by entries, bytes and entries per account.
//
// Each account's transactions leave in nonce order: a block takes an
// account's nonce n only after n - 1 (committed or taken before it), so
// nonces submitted out of order all commit. One whose predecessor has not
// come waits, up to future_ttl, then is dropped.
//
// Thread-safe through its own mutex; it touches no socket or thread. The
// chain is read only in recheck(), under the caller's unique state lock.
#pragma once
#include <cstddef>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "crypto/hash.h"
#include "ledger/block.h"
#include "ledger/chain.h"
#include "ledger/evidence.h"
#include "ledger/transaction.h"
#include "node/driver/driver_clock.h"
#include "node/transport/seen_digests.h"

namespace nl::node {

struct SubmitResult {
  // rejected: dropped by the rules after it was admitted (the reason says why).
  enum class Outcome { committed, rejected, unavailable } outcome = Outcome::rejected;
  crypto::Hash32 tx_id;
  uint64_t height = 0;
  std::string reason;
};
using SubmitCallback = std::function<void(SubmitResult)>;

struct MempoolOptions {
  size_t capacity = 20000;                  // distinct transactions
  size_t max_bytes = 128 * 1024 * 1024;     // their encodings together
  size_t max_evidence = 1000;
  // The re-check after a commit runs the first this many waiting
  // transactions: its cost stays bounded however long the pool is, and the
  // rest are re-checked once they move up (a proposal refuses them anyway).
  size_t recheck_max = 2000;
  size_t committed_ids_kept = 100000;  // for committed_recently()
  // Waiting transactions per account; admission also keeps their nonces
  // within this many of the account's next committed nonce.
  size_t max_per_account = 256;
  // How long a transaction whose predecessor nonce has not come may wait.
  std::chrono::seconds future_ttl{600};
  size_t dropped_kept = 10000;  // reasons of dropped transactions, for status()
};

// What a re-check dropped: transactions with the rules' reasons (or the
// wait that ran out), and evidence.
struct RecheckResult {
  std::vector<ledger::Rejection> dropped;
  std::vector<ledger::EvidenceRejection> dropped_evidence;
};

// Where a transaction id stands in this mempool.
struct PoolStatus {
  enum class State { unknown, pending, dropped } state = State::unknown;
  std::string reason;  // dropped: why
};

class Mempool {
 public:
  explicit Mempool(MempoolOptions opts = {});
  ~Mempool();
  Mempool(const Mempool&) = delete;
  Mempool& operator=(const Mempool&) = delete;

  enum class Added {
    fresh,      // a new entry
    merged,     // joined a waiting entry and brought a signature it lacked
    duplicate,  // joined a waiting entry, nothing new
    refused,    // full, stopped or the account's quota used; `done` answered at once (unavailable)
    conflict,   // another waiting transaction has its nonce; `done` answered at once (rejected)
  };
  // The transaction's signatures must already verify (check_signatures).
  // `done` may be empty (a copy gossiped by a peer has no one waiting).
  // `why`, if given, hears the reason of a refusal or conflict instead of
  // `done`: the caller answers.
  Added add(ledger::Transaction tx, SubmitCallback done, std::string* why = nullptr);

  // Equivocation evidence for a later block, one entry per evidence id.
  // False when the queue is full or the pool stopped.
  bool add_evidence(ledger::Evidence ev);

  // The next nonce an account's chain of waiting transactions continues
  // from (the committed state's); none: its lowest waiting nonce.
  using NextNonce = std::function<uint64_t(const ledger::AccountId&)>;
  // For a proposal, without removing: waiting transactions in arrival
  // order, except that an account's nonces go in order (a nonce waits for
  // its predecessor; one below next_nonce is skipped), at most `max_txs`
  // and `max_bytes` of encodings; evidence of heights below `next_height`,
  // at most `max_evidence`.
  std::vector<ledger::Transaction> select(size_t max_txs, size_t max_bytes, const NextNonce& next_nonce = {}) const;
  std::vector<ledger::Evidence> select_evidence(uint64_t next_height, size_t max_evidence) const;

  // True when every signature of `tx` is one a waiting entry of its id
  // holds: they were verified when they arrived, so a block carrying this
  // copy need not verify them again.
  bool verified(const ledger::Transaction& tx) const;
  // The same, for a caller that has the id at hand (tx.id()).
  bool verified(const ledger::Transaction& tx, const crypto::Hash32& id) const;

  // `block` (at block.header.height) committed: its transactions leave the
  // pool and their submitters hear the height; its evidence leaves the
  // queue. Returns how long each that was waiting here waited, in seconds:
  // its commit latency as this node saw it.
  std::vector<double> remove_committed(const ledger::Block& block);
  // Whether a transaction of that id was in a block remove_committed saw
  // lately: a late gossiped copy is dropped without verifying it.
  bool committed_recently(const crypto::Hash32& id) const { return committed_ids_.contains(id); }

  // After a commit: runs the first recheck_max waiting transactions, in
  // select() order, against the new state (applied, then discarded) at unix
  // time `time`, and drops those the rules now reject, answering their
  // submitters with the reason (a transaction whose id is committed after
  // all hears its height). A transaction refused only because an earlier
  // nonce of its account was keeps waiting for a replacement; one whose
  // nonce is already used is dropped; one that waited future_ttl for its
  // predecessor is dropped. Evidence the rules refuse is dropped too.
  // The caller holds the chain's state lock exclusively.
  RecheckResult recheck(ledger::Chain& chain, uint64_t time);

  // The id of a waiting transaction of `account` with this nonce, if any.
  std::optional<crypto::Hash32> nonce_holder(const ledger::AccountId& account, uint64_t nonce) const;
  // The waiting transactions signed by `account`, in nonce order (at most
  // MempoolOptions::max_per_account).
  std::vector<ledger::Transaction> waiting_of(const ledger::AccountId& account) const;
  // Whether a waiting transaction of `account` rotates its key.
  bool rotation_pending(const ledger::AccountId& account) const;
  PoolStatus status(const crypto::Hash32& id) const;

  // Answers every waiting submitter "node is shutting down; resubmit" and
  // refuses whatever comes later. Safe to call twice.
  void stop();

  size_t size() const;               // distinct waiting transactions
  size_t pending_callbacks() const;  // submitters waiting for an answer
  size_t evidence_pending() const;

  // Adds the signatures of `from` by keys `into` lacks, keeping the
  // canonical ascending key order and the encoding limits. True when one
  // was added.
  static bool merge_signatures(ledger::Transaction& into, const ledger::Transaction& from);

 private:
  using Clock = DriverClock;
  struct Entry {
    crypto::Hash32 id;
    ledger::Transaction tx;
    size_t bytes = 0;
    std::vector<SubmitCallback> done;  // every submitter of this id
    Clock::time_point arrived;
  };
  using Queue = std::list<Entry>;
  using Answer = std::pair<std::vector<SubmitCallback>, SubmitResult>;
  // Takes the entry out (under the lock) and returns its submitters.
  std::vector<SubmitCallback> take_locked(std::map<crypto::Hash32, Queue::iterator>::iterator it);
  // The same, remembering why it was dropped.
  std::vector<SubmitCallback> drop_locked(std::map<crypto::Hash32, Queue::iterator>::iterator it,
                                          const std::string& reason);
  // select()'s order over the waiting entries, under the lock; `stop`
  // says when to end (it is given the entry that would come next).
  std::vector<const Entry*> ordered_locked(const NextNonce& next_nonce,
                                           const std::function<bool(const Entry&)>& stop) const;
  static void deliver(std::vector<Answer>& answers);

  const MempoolOptions opts_;
  SeenDigests committed_ids_;
  mutable std::mutex m_;
  Queue queue_;  // arrival order
  std::map<crypto::Hash32, Queue::iterator> index_;
  std::map<ledger::AccountId, std::map<uint64_t, Queue::iterator>> by_account_;  // nonce -> entry
  std::map<crypto::Hash32, std::string> dropped_;  // id -> reason, the last dropped_kept
  std::deque<crypto::Hash32> dropped_order_;
  std::map<crypto::Hash32, ledger::Evidence> evidence_;
  size_t bytes_ = 0;
  size_t callbacks_ = 0;
  bool stopped_ = false;
};

}  // namespace nl::node
