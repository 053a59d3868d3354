// Consensus votes. A vote signs
//   u8 len(tag) || kVote || genesis hash || canonical(height, round, type, block hash)
// and an all-zero block hash is a vote for nil. The genesis hash (which
// commits to the chain id) keeps a vote from counting on another chain that
// shares the id and the validator keys.
#pragma once
#include <cstdint>
#include <string>

#include "crypto/basics/bytes.h"
#include "crypto/ed25519.h"
#include "crypto/hash.h"
#include "ledger/canonical.h"
#include "ledger/fields.h"

namespace nl::ledger {

enum class VoteType : uint8_t { prevote = 1, precommit = 2 };
template <>
struct EnumInfo<VoteType> {
  static constexpr uint8_t kMax = 2;
  static constexpr std::string_view kWhat = "vote type";
  static std::string_view name(VoteType t) { return t == VoteType::prevote ? "prevote" : "precommit"; }
};

Bytes vote_sign_bytes(const crypto::Hash32& genesis_hash, uint64_t height, uint32_t round, VoteType type,
                      const crypto::Hash32& block_hash);

// One validator's prevote or precommit. An all-zero block_hash is a nil vote.
struct SignedVote {
  uint64_t height = 0;
  uint32_t round = 0;
  VoteType type = VoteType::prevote;
  crypto::Hash32 block_hash;
  crypto::PublicKey validator;
  crypto::Signature sig;

  auto operator<=>(const SignedVote&) const = default;
  template <class V, class Self>
  static void fields(V& v, Self& x) {
    v(field("height", x.height));
    v(field("round", x.round));
    v(field("type", x.type));
    v(field("block_hash", x.block_hash));
    v(field("validator", x.validator));
    v(field("signature", x.sig));
  }
  bool is_nil() const;
  Bytes sign_bytes(const crypto::Hash32& genesis_hash) const;
  bool verify(const crypto::Hash32& genesis_hash) const;
  static SignedVote make(const crypto::Hash32& genesis_hash, uint64_t height, uint32_t round,
                         VoteType type, const crypto::Hash32& block_hash,
                         const crypto::SecretKey& key);
  void encode(Writer& w) const;
  static SignedVote decode(Reader& r);
};

}  // namespace nl::ledger
