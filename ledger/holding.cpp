#include "ledger/holding.h"

namespace nl::ledger {

std::string_view holding_kind_name(HoldingKind k) {
  switch (k) {
    case HoldingKind::allocation: return "allocation";
    case HoldingKind::assignment: return "assignment";
    case HoldingKind::lease: return "lease";
  }
  return "?";
}

Result<HoldingKind> parse_holding_kind(std::string_view s) {
  if (s == "allocation") return HoldingKind::allocation;
  if (s == "assignment") return HoldingKind::assignment;
  if (s == "lease") return HoldingKind::lease;
  return fail("unknown holding kind '" + std::string(s) + "' (allocation, assignment or lease)");
}

static HoldingKind decode_kind(Reader& r) {
  uint8_t k = r.u8();
  if (k < 1 || k > 3) throw DecodeError("unknown holding kind " + std::to_string(k));
  return static_cast<HoldingKind>(k);
}

void Metadata::encode(Writer& w) const {
  w.str(name).str(country).str(source_registry).str(source_handle).str(abuse_contact);
}

Metadata Metadata::decode(Reader& r) {
  Metadata m;
  m.name = r.str(kMaxMetadataField);
  m.country = r.str(kMaxMetadataField);
  m.source_registry = r.str(kMaxMetadataField);
  m.source_handle = r.str(kMaxMetadataField);
  m.abuse_contact = r.str(kMaxMetadataField);
  return m;
}

void Holding::encode(Writer& w) const {
  w.u64(id);
  range.encode(w);
  holder.encode(w);
  w.u64(parent).u8(static_cast<uint8_t>(kind)).u64(lease_until).u64(created_height);
  meta.encode(w);
}

Holding Holding::decode(Reader& r) {
  Holding h;
  h.id = r.u64();
  h.range = Resource::decode(r);
  h.holder = AccountId::decode(r);
  h.parent = r.u64();
  h.kind = decode_kind(r);
  h.lease_until = r.u64();
  h.created_height = r.u64();
  h.meta = Metadata::decode(r);
  return h;
}

void Segment::encode(Writer& w) const {
  range.encode(w);
  w.u64(holding);
}

Segment Segment::decode(Reader& r) {
  Segment s;
  s.range = Resource::decode(r);
  s.holding = r.u64();
  return s;
}

void Authorization::encode(Writer& w) const {
  prefix.encode(w);
  w.u8(max_length).u32(asn);
  issuer.encode(w);
  w.u64(created_height);
}

Authorization Authorization::decode(Reader& r) {
  Authorization a;
  a.prefix = Resource::decode(r);
  a.max_length = r.u8();
  a.asn = r.u32();
  a.issuer = AccountId::decode(r);
  a.created_height = r.u64();
  return a;
}

void AccountState::encode(Writer& w) const {
  w.u64(next_nonce).fixed(current.b);
}

AccountState AccountState::decode(Reader& r) {
  AccountState a;
  a.next_nonce = r.u64();
  a.current.b = r.fixed<32>();
  return a;
}

}  // namespace nl::ledger
