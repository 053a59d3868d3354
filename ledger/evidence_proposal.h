// Evidence of a double proposal: two proposals signed by the proposer of
// one (height, round) for different values. The proposals' value bytes
// are not kept: the signature covers the value id (proposal_sign_bytes).
#pragma once
#include <cstdint>

#include "crypto/basics/result.h"
#include "crypto/ed25519.h"
#include "crypto/hash.h"
#include "ledger/canonical.h"
#include "ledger/evidence_kind.h"
#include "ledger/fields.h"

namespace nl::ledger {

struct ValidatorSet;

// One of the two proposals, less what both share (height, round, proposer).
struct ProposalHalf {
  int32_t pol_round = -1;  // the proposal's validRound; -1 when none
  crypto::Hash32 value_id;
  crypto::Signature sig;

  auto operator<=>(const ProposalHalf&) const = default;
  template <class V, class Self>
  static void fields(V& v, Self& x) {
    v(field("pol_round", x.pol_round));
    v(field("value_id", x.value_id));
    v(field("signature", x.sig));
  }
};

// a has the smaller value id, so one equivocation has exactly one encoding.
struct ProposalEvidence {
  uint64_t height = 0;
  uint32_t round = 0;
  // Always proposal: on the wire it tells this evidence from a double vote.
  EvidenceKind kind = EvidenceKind::proposal;
  crypto::PublicKey proposer;
  ProposalHalf a;
  ProposalHalf b;

  auto operator<=>(const ProposalEvidence&) const = default;
  template <class V, class Self>
  static void fields(V& v, Self& e) {
    v(field("height", e.height));
    v(field("round", e.round));
    v(field("kind", e.kind));
    v(field("proposer", e.proposer));
    v(field("a", e.a));
    v(field("b", e.b));
  }
  // The kind is proposal and the pair in canonical order (a.value_id < b.value_id).
  static Status check_decoded(const ProposalEvidence& e);
  // Orders the pair; refuses equal value ids.
  static Result<ProposalEvidence> make(uint64_t height, uint32_t round, const crypto::PublicKey& proposer,
                                       const ProposalHalf& x, const ProposalHalf& y);
  // The shape above, each pol_round -1 or below round (as the engine
  // requires of a proposal), proposer is in `set` (the set voting at
  // height) and is its proposer of (height, round), and both signatures
  // verify.
  Status check(const crypto::Hash32& genesis_hash, const ValidatorSet& set) const;
  void encode(Writer& w) const;
  static ProposalEvidence decode(Reader& r);
};

}  // namespace nl::ledger
