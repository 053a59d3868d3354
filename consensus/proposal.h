// A proposer's signed proposal: <PROPOSAL, h, r, v, validRound> of the
// paper. The signature covers ledger::proposal_sign_bytes:
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
#include "ledger/evidence_proposal.h"
#include "ledger/fields.h"

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
  template <class V, class Self>
  static void fields(V& v, Self& x) {
    v(ledger::field("height", x.height));
    v(ledger::field("round", x.round));
    v(ledger::field("pol_round", x.pol_round));
    v(ledger::field("value_id", x.value_id));
    v(ledger::field("value", x.value).max(kMaxValueBytes).shown(false));
    v(ledger::field("proposer", x.proposer));
    v(ledger::field("signature", x.sig));
  }
  // validRound is -1 or an earlier round of the same height (Alg. 1 l.19, l.28).
  static Status check_decoded(const Proposal& p);
  Bytes sign_bytes(const crypto::Hash32& genesis_hash) const;
  bool verify(const crypto::Hash32& genesis_hash) const;
  static Proposal make(const crypto::Hash32& genesis_hash, uint64_t height, uint32_t round,
                       int32_t pol_round, const crypto::Hash32& value_id, Bytes value,
                       const crypto::SecretKey& key);
  void encode(ledger::Writer& w) const;
  static Proposal decode(ledger::Reader& r);
};

// Two proposals by one proposer for one (height, round) with different
// value ids, as the ledger's evidence (the value bytes are left out).
Result<ledger::ProposalEvidence> proposal_equivocation(const Proposal& x, const Proposal& y);

}  // namespace nl::consensus
