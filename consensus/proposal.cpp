#include "consensus/proposal.h"

#include "crypto/domain_tags.h"
#include "ledger/field_codec.h"

namespace nl::consensus {
namespace {

// pol_round travels as u32 two's complement: -1 is 0xffffffff.
uint32_t encode_round(int32_t r) { return static_cast<uint32_t>(r); }

}  // namespace

Bytes Proposal::sign_bytes(const crypto::Hash32& genesis_hash) const {
  ledger::Writer w;
  w.u8(static_cast<uint8_t>(tags::kProposal.size())).raw(as_bytes(tags::kProposal));
  w.fixed(genesis_hash.b).u64(height).u32(round).u32(encode_round(pol_round)).fixed(value_id.b);
  return w.take();
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

void Proposal::encode(ledger::Writer& w) const { ledger::write_fields(w, *this); }

Proposal Proposal::decode(ledger::Reader& r) { return ledger::read_fields<Proposal>(r); }

}  // namespace nl::consensus
