// Comparing two proofs of control (issue 15, item 2): two certified headers
// of one height with different hashes are conflicting histories, and each
// validator whose precommit is in both certificates signed both. In one
// round that is a double vote, evidence any node accepts; in two rounds it
// breaks Tendermint's locking rules, which a pair of votes cannot prove.
// Both proofs must have verified first (verify_control_proof).
#pragma once
#include <cstdint>
#include <vector>

#include "crypto/hash.h"
#include "ledger/control_proof.h"
#include "ledger/vote.h"

namespace nl::ledger {

struct HeaderConflict {
  uint64_t height = 0;
  crypto::Hash32 a, b;  // the two header hashes
  struct Signer {
    crypto::PublicKey validator;
    SignedVote in_a, in_b;  // its precommits
    bool same_round() const { return in_a.round == in_b.round; }
  };
  std::vector<Signer> signers;  // in both certificates, by key
};

struct ProofComparison {
  size_t common_heights = 0;  // heights both proofs certify
  std::vector<HeaderConflict> conflicts;
};

ProofComparison compare_proofs(const ControlProof& a, const ControlProof& b);

}  // namespace nl::ledger
