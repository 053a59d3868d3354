#include "consensus/proposal.h"

#include "ledger/field_codec.h"
#include "ledger/proposal_sign_bytes.h"

namespace nl::consensus {

// The ledger's function: proposal evidence is checked against these bytes.
Bytes Proposal::sign_bytes(const crypto::Hash32& genesis_hash) const {
  return ledger::proposal_sign_bytes(genesis_hash, height, round, pol_round, value_id);
}

bool Proposal::verify(const crypto::Hash32& genesis_hash) const {
  return crypto::verify(proposer, sign_bytes(genesis_hash), sig);
}

Proposal Proposal::make(const crypto::Hash32& genesis_hash, uint64_t height, uint32_t round,
                        int32_t pol_round, const crypto::Hash32& value_id, Bytes value,
                        const crypto::SecretKey& key) {
  Proposal p{height, round, pol_round, value_id, std::move(value), key.public_key(), {}};
  p.sig = key.sign(p.sign_bytes(genesis_hash));
  return p;
}

Status Proposal::check_decoded(const Proposal& p) {
  if (p.pol_round < -1 || (p.pol_round >= 0 && static_cast<uint32_t>(p.pol_round) >= p.round))
    return fail("proposal pol_round " + std::to_string(p.pol_round) + " is neither -1 nor below round " +
                std::to_string(p.round));
  return {};
}

Result<ledger::ProposalEvidence> proposal_equivocation(const Proposal& x, const Proposal& y) {
  if (x.proposer != y.proposer || x.height != y.height || x.round != y.round)
    return fail("proposals are by different proposers or for different heights or rounds");
  return ledger::ProposalEvidence::make(x.height, x.round, x.proposer, {x.pol_round, x.value_id, x.sig},
                                        {y.pol_round, y.value_id, y.sig});
}

void Proposal::encode(ledger::Writer& w) const { ledger::write_fields(w, *this); }

Proposal Proposal::decode(ledger::Reader& r) { return ledger::read_fields<Proposal>(r); }

}  // namespace nl::consensus
