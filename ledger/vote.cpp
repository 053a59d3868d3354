#include "ledger/vote.h"

#include "crypto/domain_tags.h"
#include "ledger/field_codec.h"

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

void SignedVote::encode(Writer& w) const { write_fields(w, *this); }

SignedVote SignedVote::decode(Reader& r) { return read_fields<SignedVote>(r); }

}  // namespace nl::ledger
