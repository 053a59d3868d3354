#include "ledger/evidence.h"

#include "crypto/domain_tags.h"
#include "ledger/field_codec.h"
#include "ledger/state_keys.h"

namespace nl::ledger {

EvidenceKind Evidence::kind() const {
  if (const auto* v = vote()) return evidence_kind(v->a.type);
  return EvidenceKind::proposal;
}

const crypto::PublicKey& Evidence::offender() const {
  if (const auto* v = vote()) return v->a.validator;
  return proposal()->proposer;
}

uint64_t Evidence::height() const {
  if (const auto* v = vote()) return v->a.height;
  return proposal()->height;
}

uint32_t Evidence::round() const {
  if (const auto* v = vote()) return v->a.round;
  return proposal()->round;
}

Bytes Evidence::state_key() const {
  return keys::evidence(offender(), height(), round(), static_cast<uint8_t>(kind()));
}

Status Evidence::check(const crypto::Hash32& genesis_hash, const ValidatorSet& set) const {
  return std::visit([&](const auto& e) { return e.check(genesis_hash, set); }, v_);
}

crypto::Hash32 Evidence::id() const { return crypto::tagged_hash(tags::kEvidence, encode()); }

void Evidence::encode(Writer& w) const {
  std::visit([&](const auto& e) { e.encode(w); }, v_);
}

Evidence Evidence::decode(Reader& r) {
  // Peek at the kind byte; each kind then reads the whole encoding itself.
  Reader peek = r;
  peek.u64();
  peek.u32();
  const uint8_t kind = peek.u8();
  if (kind == static_cast<uint8_t>(EvidenceKind::proposal)) return ProposalEvidence::decode(r);
  if (kind == static_cast<uint8_t>(EvidenceKind::prevote) || kind == static_cast<uint8_t>(EvidenceKind::precommit))
    return VoteEvidence::decode(r);
  throw DecodeError("unknown evidence kind " + std::to_string(kind));
}

Bytes Evidence::encode() const {
  Writer w;
  encode(w);
  return w.take();
}

Result<Evidence> Evidence::decode(ByteView in) {
  return decode_all<Evidence>(in, "evidence", [](Reader& r) { return decode(r); });
}

void CommittedEvidence::encode(Writer& w) const { write_fields(w, *this); }

CommittedEvidence CommittedEvidence::decode(Reader& r) { return read_fields<CommittedEvidence>(r); }

}  // namespace nl::ledger
