// Comparing two proofs of control (issue 15, item 2): two headers of one
// height with different hashes are conflicting histories, and each
// validator whose precommit is in both certificates signed both (a header
// proven by its proof's state has no certificate of its own: the signers of
// that state's header vouch for it, at another height). In one
// round that is a double vote, evidence any node accepts; in two rounds it
// breaks Tendermint's locking rules, which a pair of votes cannot prove.
// Both proofs must have verified first (verify_control_proof).
//
// Custody chains are compared too: a hop one proof carries over the other
// proof's resource, at or below the other's height, should be in the
// other's chain as well. Where some are not, they are put back in, each in
// its own header, and the other proof's chain replayed from the genesis
// against its certified state: refused, the two proofs
// show conflicting certified histories (a double delegation by an
// ancestor, or a state that undoes a signed hop), and the reason says
// where; accepted, the omissions changed nothing the other proof shows
// (a hop and the hop that undid it, say).
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

// The hops one proof carries over the other's resource that the other
// leaves out.
struct CustodyOmission {
  bool from_a = true;  // the hops are in A, B leaves them out (else the reverse)
  struct Hop {
    uint64_t height = 0;
    crypto::Hash32 tx_id;
    std::string kind;
  };
  std::vector<Hop> hops;
  // The other proof's chain with the hops put back: why it is refused;
  // empty when it still verifies (then the omission changed nothing it proves).
  std::string refused;
  bool conflict() const { return !refused.empty(); }
};

struct ProofComparison {
  size_t common_heights = 0;  // heights both proofs certify
  std::vector<HeaderConflict> conflicts;
  std::vector<CustodyOmission> omissions;
};

// With `genesis`, also the custody chains (above).
ProofComparison compare_proofs(const ControlProof& a, const ControlProof& b, const Genesis* genesis = nullptr);

}  // namespace nl::ledger
