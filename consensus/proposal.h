// A proposer's signed proposal: <PROPOSAL, h, r, v, validRound> of the
// paper. The signature covers
//   u8 len(tag) || kProposal || genesis hash || canonical(height, round, pol_round, value_id)
// and not the value bytes: value_id commits to them, and the application
// checks that it does when it validates the value.
#pragma once
#include <cstdint>
#include <string>

#include "crypto/basics/bytes.h"
#include "crypto/ed25519.h"
#include "crypto/hash.h"
#include "crypto/basics/result.h"
#include "ledger/block.h"
#include "ledger/canonical.h"

namespace nl::consensus {

// Largest value a proposal may carry: an encoded block, so the block limit.
inline constexpr uint32_t kMaxValueBytes = static_cast<uint32_t>(ledger::kMaxBlockBytes);

struct Proposal {
  uint64_t height = 0;
  uint32_t round = 0;
  int32_t pol_round = -1;  // validRound of the paper; -1 when none
  crypto::Hash32 value_id;
  Bytes value;
  crypto::PublicKey proposer;
  crypto::Signature sig;

  auto operator<=>(const Proposal&) const = default;
  Bytes sign_bytes(const crypto::Hash32& genesis_hash) const;
  bool verify(const crypto::Hash32& genesis_hash) const;
  static Proposal make(const crypto::Hash32& genesis_hash, uint64_t height, uint32_t round,
                       int32_t pol_round, const crypto::Hash32& value_id, Bytes value,
                       const crypto::SecretKey& key);
  void encode(ledger::Writer& w) const;
  static Proposal decode(ledger::Reader& r);
};

}  // namespace nl::consensus
