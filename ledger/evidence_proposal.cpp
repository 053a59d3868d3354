#include "ledger/evidence_proposal.h"

#include "ledger/field_codec.h"
#include "ledger/proposal_sign_bytes.h"
#include "ledger/proposer_schedule.h"
#include "ledger/validator_set.h"

namespace nl::ledger {

Status ProposalEvidence::check_decoded(const ProposalEvidence& e) {
  if (e.kind != EvidenceKind::proposal)
    return fail("proposal evidence has kind " + std::to_string(static_cast<int>(e.kind)) + ", not 3");
  if (!(e.a.value_id < e.b.value_id))
    return fail("evidence proposals are not in canonical order (smaller value id first)");
  return {};
}

Result<ProposalEvidence> ProposalEvidence::make(uint64_t height, uint32_t round, const crypto::PublicKey& proposer,
                                                const ProposalHalf& x, const ProposalHalf& y) {
  if (x.value_id == y.value_id) return fail("evidence proposals are for the same value");
  ProposalEvidence e{height, round, EvidenceKind::proposal, proposer, x, y};
  if (y.value_id < x.value_id) std::swap(e.a, e.b);
  return e;
}

Status ProposalEvidence::check(const crypto::Hash32& genesis_hash, const ValidatorSet& set) const {
  if (auto s = check_decoded(*this); !s) return s;
  for (const ProposalHalf* p : {&a, &b})
    if (p->pol_round < -1 || (p->pol_round >= 0 && static_cast<uint32_t>(p->pol_round) >= round))
      return fail("evidence proposal's pol_round " + std::to_string(p->pol_round) + " is neither -1 nor below round " +
                  std::to_string(round));
  if (!set.find(proposer))
    return fail("evidence names " + proposer.hex() + ", not a validator at height " + std::to_string(height));
  // Only the round's proposer is heard (the engine drops other proposals),
  // so only its two proposals can split the validators' votes.
  if (ProposerSchedule(set).at(height, round) != proposer)
    return fail("evidence names " + proposer.hex() + ", not the proposer of height " + std::to_string(height) +
                ", round " + std::to_string(round));
  for (const ProposalHalf* p : {&a, &b})
    if (!crypto::verify(proposer, proposal_sign_bytes(genesis_hash, height, round, p->pol_round, p->value_id),
                        p->sig))
      return fail("evidence proposal signature by " + proposer.hex() + " does not verify");
  return {};
}

void ProposalEvidence::encode(Writer& w) const { write_fields(w, *this); }

ProposalEvidence ProposalEvidence::decode(Reader& r) { return read_fields<ProposalEvidence>(r); }

}  // namespace nl::ledger
