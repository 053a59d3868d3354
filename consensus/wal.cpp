#include "consensus/wal.h"

#include "consensus/versioned_union.h"
#include "ledger/validator.h"

namespace nl::ledger {
template <>
struct VariantInfo<consensus::WalEntry> {
  static constexpr std::string_view kWhat = "entry tag";
};
}  // namespace nl::ledger

namespace nl::consensus {
namespace {

// Same framing as consensus messages: u8 version, u8 tag, body.
constexpr uint8_t kWalVersion = 1;
// The tag byte is the entry's position in WalEntry plus one: proposal 1,
// vote 2, lock 3.

void encode_value(ledger::Writer& w, const Bytes& v) {
  if (v.size() > kMaxValueBytes) throw std::length_error("lock record value exceeds kMaxValueBytes");
  w.u32(static_cast<uint32_t>(v.size())).raw(v);
}

int32_t decode_round(ledger::Reader& r, const char* what) {
  auto v = static_cast<int32_t>(r.u32());
  if (v < -1) throw ledger::DecodeError(std::string(what) + " " + std::to_string(v) + " is below -1");
  return v;
}

}  // namespace

void LockRecord::encode(ledger::Writer& w) const {
  const LockRecord& l = *this;
  w.u64(l.height).u32(l.round);
  w.u32(static_cast<uint32_t>(l.locked_round)).fixed(l.locked_id.b);
  encode_value(w, l.locked_value);
  w.u32(static_cast<uint32_t>(l.valid_round)).fixed(l.valid_id.b);
  encode_value(w, l.valid_value);
  if (l.valid_polka.size() > kMaxPolkaVotes) throw std::length_error("lock record polka exceeds kMaxPolkaVotes");
  w.u16(static_cast<uint16_t>(l.valid_polka.size()));
  for (const auto& v : l.valid_polka) v.encode(w);
}

LockRecord LockRecord::decode(ledger::Reader& r) {
  LockRecord l;
  l.height = r.u64();
  l.round = r.u32();
  l.locked_round = decode_round(r, "locked round");
  l.locked_id.b = r.fixed<32>();
  l.locked_value = r.bytes(kMaxValueBytes);
  l.valid_round = decode_round(r, "valid round");
  l.valid_id.b = r.fixed<32>();
  l.valid_value = r.bytes(kMaxValueBytes);
  const uint16_t n = r.u16();
  if (n > kMaxPolkaVotes) throw ledger::DecodeError("lock record polka of " + std::to_string(n) + " votes");
  for (uint16_t i = 0; i < n; ++i) l.valid_polka.push_back(ledger::SignedVote::decode(r));
  return l;
}

Bytes encode_wal_entry(const WalEntry& e) { return encode_versioned(kWalVersion, e); }

Result<WalEntry> decode_wal_entry(ByteView in) {
  return decode_versioned<WalEntry>(in, kWalVersion, "consensus WAL entry");
}

uint64_t wal_entry_height(const WalEntry& e) {
  return std::visit([](const auto& x) -> uint64_t { return x.height; }, e);
}

}  // namespace nl::consensus
