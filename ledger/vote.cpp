#include "ledger/vote.h"

#include "crypto/domain_tags.h"

namespace nl::ledger {

Bytes vote_sign_bytes(const crypto::Hash32& genesis_hash, uint64_t height, uint32_t round, VoteType type,
                      const crypto::Hash32& block_hash) {
  Writer w;
  w.u8(static_cast<uint8_t>(tags::kVote.size())).raw(as_bytes(tags::kVote));
  w.fixed(genesis_hash.b).u64(height).u32(round).u8(static_cast<uint8_t>(type)).fixed(block_hash.b);
  return w.take();
}

bool SignedVote::is_nil() const { return block_hash.is_zero(); }

Bytes SignedVote::sign_bytes(const crypto::Hash32& genesis_hash) const {
  return vote_sign_bytes(genesis_hash, height, round, type, block_hash);
}

bool SignedVote::verify(const crypto::Hash32& genesis_hash) const {
  return crypto::verify(validator, sign_bytes(genesis_hash), sig);
}

SignedVote SignedVote::make(const crypto::Hash32& genesis_hash, uint64_t height, uint32_t round,
                            VoteType type, const crypto::Hash32& block_hash,
                            const crypto::SecretKey& key) {
  SignedVote v{height, round, type, block_hash, key.public_key(), {}};
  v.sig = key.sign(v.sign_bytes(genesis_hash));
  return v;
}

void SignedVote::encode(Writer& w) const {
  w.u64(height).u32(round).u8(static_cast<uint8_t>(type)).fixed(block_hash.b);
  w.fixed(validator.b).fixed(sig.b);
}

SignedVote SignedVote::decode(Reader& r) {
  SignedVote v;
  v.height = r.u64();
  v.round = r.u32();
  uint8_t t = r.u8();
  if (t != static_cast<uint8_t>(VoteType::prevote) && t != static_cast<uint8_t>(VoteType::precommit))
    throw DecodeError("unknown vote type " + std::to_string(t));
  v.type = static_cast<VoteType>(t);
  v.block_hash.b = r.fixed<32>();
  v.validator.b = r.fixed<32>();
  v.sig.b = r.fixed<64>();
  return v;
}

}  // namespace nl::ledger
