#include "ledger/state_keys.h"

namespace nl::ledger::keys {

Bytes account(const AccountId& a) {
  Writer w;
  w.u8(kAccount).fixed(a.key.b);
  return w.take();
}

Bytes recovery(const AccountId& a) {
  Writer w;
  w.u8(kRecovery).fixed(a.key.b);
  return w.take();
}

Bytes holding(HoldingId id) {
  Writer w;
  w.u8(kHolding).u64(id);
  return w.take();
}

Bytes segment(Family f, u128 first) {
  Writer w;
  w.u8(kSegment).u8(static_cast<uint8_t>(f)).u128v(first);
  return w.take();
}

Bytes authorization(const Resource& prefix, uint8_t max_length, uint32_t asn) {
  Writer w;
  w.u8(kAuthorization).u8(static_cast<uint8_t>(prefix.family)).u128v(prefix.first).u128v(prefix.last);
  w.u8(max_length).u32(asn);
  return w.take();
}

Bytes next_holding_id() {
  Writer w;
  w.u8(kMeta).raw(as_bytes("next-holding-id"));
  return w.take();
}

Bytes validator_set(uint64_t from_height) {
  Writer w;
  w.u8(kValidatorSet).u64(from_height);
  return w.take();
}

Bytes block_hash(uint64_t height) {
  Writer w;
  w.u8(kBlockHash).u64(height);
  return w.take();
}

std::optional<BlockHashEntry> read_block_hash(ByteView key, ByteView value) {
  if (key.size() != 9 || key[0] != kBlockHash || value.size() != 32) return std::nullopt;
  BlockHashEntry e;
  e.height = Reader(key.subspan(1)).u64();
  std::copy(value.begin(), value.end(), e.hash.b.begin());
  return e;
}

Bytes evidence(const crypto::PublicKey& validator, uint64_t height, uint32_t round, uint8_t kind) {
  Writer w;
  w.u8(kEvidence).fixed(validator.b).u64(height).u32(round).u8(kind);
  return w.take();
}

}  // namespace nl::ledger::keys
