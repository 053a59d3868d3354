// Mempool admission: what the rules say of a transaction before it enters
// the mempool and goes on to the peers (whitepaper/security.md, "Mempool
// admission"). A transaction the rules refuse now is answered 409 and
// never relayed, so it is in no mempool and cannot commit from that
// submission; a peer that relays such transactions loses score.
//
// The rules run against the committed state, the transaction taken as its
// account's next nonce. Its waiting predecessors' effects are not
// replayed, because that would cost a replay of the account's whole
// waiting chain per admission; what becomes invalid only through them is
// dropped in its turn by the re-check, with the reason kept for
// `GET /api/v1/tx/<id>`.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "ledger/chain.h"
#include "ledger/transaction.h"
#include "node/driver/mempool.h"

namespace nl::node {

// Score a peer loses per relayed transaction that admission refuses: an
// honest peer relays one now and then (its state was a block behind), a
// junk relay reaches the ban score (100) within the score's memory.
inline constexpr int kPenaltyJunkTx = 1;
// At most this much per frame, however many it carried.
inline constexpr int kMaxJunkPenaltyPerFrame = 20;

struct Admission {
  enum class Verdict {
    admitted,
    refused,  // the rules or the nonce order refuse it: 409
    busy,     // too far ahead of the account's committed nonce: retry later, 503
  } verdict = Verdict::admitted;
  std::string reason;
  // Why, in one fixed word for metrics (node/metrics/node_metrics.cpp):
  // nonce_used, nonce_taken, nonce_ahead, rules, mempool_full, conflict,
  // queue_full.
  const char* label = "";
  bool ok() const { return verdict == Verdict::admitted; }
};

// Each of `txs` (signatures verified) against the chain's committed state
// at unix time `time`, and against the nonces waiting in `mempool`. The
// caller holds the chain's state lock exclusively (the rules run on the
// live registry and are undone).
std::vector<Admission> admit(ledger::Chain& chain, const Mempool& mempool, const std::vector<ledger::Transaction>& txs,
                             uint64_t time, size_t max_ahead);

}  // namespace nl::node
