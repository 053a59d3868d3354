// Evidence of equivocation, as blocks carry it and the state records it:
// a double vote (evidence_vote.h) or a double proposal (evidence_proposal.h).
// Both encodings start u64 height || u32 round || u8 kind (evidence_kind.h),
// so the reader tells them apart by byte 12 and vote evidence keeps the
// bytes it had before proposals were evidence.
#pragma once
#include <cstdint>
#include <variant>

#include "crypto/basics/result.h"
#include "crypto/ed25519.h"
#include "crypto/hash.h"
#include "ledger/canonical.h"
#include "ledger/evidence_kind.h"
#include "ledger/evidence_proposal.h"
#include "ledger/evidence_vote.h"
#include "ledger/fields.h"

namespace nl::ledger {

struct ValidatorSet;

class Evidence {
 public:
  Evidence() = default;
  Evidence(VoteEvidence v) : v_(std::move(v)) {}      // NOLINT: either kind is evidence
  Evidence(ProposalEvidence p) : v_(std::move(p)) {}  // NOLINT
  auto operator<=>(const Evidence&) const = default;

  const VoteEvidence* vote() const { return std::get_if<VoteEvidence>(&v_); }
  const ProposalEvidence* proposal() const { return std::get_if<ProposalEvidence>(&v_); }
  EvidenceKind kind() const;
  const crypto::PublicKey& offender() const;  // the validator who equivocated
  uint64_t height() const;
  uint32_t round() const;
  // The equivocation's state key, keys::evidence(offender, height, round,
  // kind): one per equivocation, whichever pair proves it.
  Bytes state_key() const;

  // The kind's rules against `set`, the set voting at height().
  Status check(const crypto::Hash32& genesis_hash, const ValidatorSet& set) const;
  crypto::Hash32 id() const;  // tagged_hash(kEvidence, encoding)
  void encode(Writer& w) const;
  static Evidence decode(Reader& r);
  Bytes encode() const;
  static Result<Evidence> decode(ByteView in);

 private:
  std::variant<VoteEvidence, ProposalEvidence> v_;
};

// Evidence as the state holds it: the evidence and the height of the block
// that committed it. Encoded Evidence || u64 committed_height.
struct CommittedEvidence {
  Evidence evidence;
  uint64_t committed_height = 0;

  auto operator<=>(const CommittedEvidence&) const = default;
  template <class V, class Self>
  static void fields(V& v, Self& c) {
    v(field("evidence", c.evidence));
    v(field("committed_height", c.committed_height));
  }
  void encode(Writer& w) const;
  static CommittedEvidence decode(Reader& r);
};

}  // namespace nl::ledger
