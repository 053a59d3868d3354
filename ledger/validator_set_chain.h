// Following the validator set from a trusted start to a later height, as a
// proof verifier does (issue 15): each change is a validator-update
// transaction, shown to be in a block whose header is certified by the set
// of its height, signed by more than 2/3 of that set's power, and composed
// exactly as the registry composes it (takes effect kValidatorUpdateDelay
// heights later). A header's validator_set_hash must name the set the
// changes give for its height: a missing change (a gap) shows there.
#pragma once
#include <cstdint>
#include <map>
#include <set>
#include <vector>

#include "crypto/basics/result.h"
#include "ledger/block.h"
#include "ledger/transaction.h"
#include "ledger/trusted_set.h"
#include "ledger/tx_inclusion.h"
#include "ledger/validator_set.h"

namespace nl::ledger {

struct CertifiedHeader {
  BlockHeader header;
  CommitCertificate cert;
  auto operator<=>(const CertifiedHeader&) const = default;
};

// A transaction committed in headers[header] of the same proof: a
// validator-update (a set change), or a hop of a custody chain.
struct IncludedTx {
  uint32_t header = 0;
  Transaction tx;
  TxInclusion inclusion;
};
using SetChange = IncludedTx;

class ValidatorSetChain {
 public:
  explicit ValidatorSetChain(TrustedSet start);

  // The set voting at `height` by what has been applied (the trusted set
  // for every height at or below the start).
  const ValidatorSet& set_at(uint64_t height) const;
  const TrustedSet& start() const { return start_; }

  // The header is of this chain, at height >= 1, names the set of its
  // height, and its certificate carries > 2/3 of that set's power.
  Status check_header(const CertifiedHeader& h) const;
  // Checks the change (its header first) and applies it. A change that
  // took effect at or before the trusted start is skipped unchecked.
  Status apply(const CertifiedHeader& h, const SetChange& c);

 private:
  TrustedSet start_;
  std::map<uint64_t, ValidatorSet> sets_;  // from height -> set
};

}  // namespace nl::ledger
