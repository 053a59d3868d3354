// A proof of control: the committed entries that say who controls a
// resource (its segments and their holdings) in one state multiproof
// against the state root of a certified header, the validator-set changes
// that lead from the genesis set to the set that certified it, and the
// custody chain: the signed hops that moved the resource from its genesis
// holders to its present ones (ledger/custody_chain.h). It verifies
// offline against the genesis, or, without the custody chain, against a
// later set the verifier already trusts.
// A custody hop's block below the proven height comes without its
// certificate: the proven state holds its hash (state key 'B' || height,
// kept for every block that carries a hop),
// in the same multiproof, so each hop costs a header and a few hashes
// instead of a certificate of > 2/3 of the votes.
// File: "NLPF" || u8 version || canonical(proof) (whitepaper/encoding.md,
// "Proof of control").
#pragma once
#include <vector>

#include "crypto/basics/result.h"
#include "ledger/block.h"
#include "ledger/custody_chain.h"
#include "ledger/genesis.h"
#include "ledger/holding.h"
#include "ledger/state_multiproof.h"
#include "ledger/trusted_set.h"
#include "ledger/validator_set_chain.h"

namespace nl::ledger {

inline constexpr uint8_t kProofVersion = 4;
// Limits a verifier enforces while reading (whitepaper/encoding.md).
inline constexpr size_t kMaxProofBytes = 16 * 1024 * 1024;
inline constexpr uint32_t kMaxProofHeaders = 10000;
inline constexpr uint32_t kMaxProofSetChanges = 10000;
// The segments one proof may answer for; a wider resource is refused.
inline constexpr size_t kMaxProofSegments = 1000;

// A header in a proof: certified by its own commit certificate (the state's
// header and the blocks of set changes), or proven by the state (the
// blocks of custody hops below it), whose entry 'B' || height holds its hash.
struct ProofHeader {
  BlockHeader header;
  std::optional<CommitCertificate> cert;
  auto operator<=>(const ProofHeader&) const = default;
  // Requires cert.
  CertifiedHeader certified() const { return {header, cert.value()}; }
};

struct ControlProof {
  Resource resource;
  // Ascending heights, each once; the last one certifies the state. Every
  // other one is the block of a set change (certified) or of custody hops
  // only (proven by the state), nothing else.
  std::vector<ProofHeader> headers;
  // Ascending by (height, position in the block).
  std::vector<SetChange> set_changes;
  // Ascending by (height, position in the block).
  std::vector<IncludedTx> custody;
  // The segments that cover the resource, and their holdings.
  StateMultiproof state;

  const ProofHeader& state_header() const { return headers.back(); }
  Bytes encode() const;
  static Result<ControlProof> decode(ByteView file);
};

struct ControlAnswer {
  struct Part {
    Resource proven;  // the segment's part of the asked resource
    Segment segment;
    Holding holding;
  };
  std::vector<Part> parts;  // cover the resource, in address order
  uint64_t height = 0;
  uint64_t time = 0;
  size_t set_changes_checked = 0;  // those after the trusted start
  TrustedSet certified_by;         // the set that certified the state, at its height
  // Checked only from the genesis: a trusted set says nothing of holders.
  std::optional<CustodyAnswer> custody;
};

// Checks everything: every header's chain, set and certificate, every set
// change (inclusion, > 2/3 of the power it replaces, its composition), the
// multiproof against the last header's state root, and that the segments
// cover the resource exactly, with their holdings; from the genesis also
// the custody chain. A non-canonical proof (a header or entry no check
// needs, one listed twice, out of order) is refused with the reason.
Result<ControlAnswer> verify_control_proof(const ControlProof& proof, const TrustedSet& start);
Result<ControlAnswer> verify_control_proof(const ControlProof& proof, const Genesis& genesis);
// The same, for a verifier that checks many proofs: `genesis_start` is
// TrustedSet::from_genesis(genesis), computed once.
Result<ControlAnswer> verify_control_proof(const ControlProof& proof, const Genesis& genesis,
                                           const TrustedSet& genesis_start);

}  // namespace nl::ledger
