// What a node joining by state sync trusts the snapshot's state root by:
// the block at the snapshot height with its certificate, and the
// validator-set changes (each a validator-update with its inclusion proof
// in a certified block) that lead from the genesis set to the set that
// certified it, checked as a proof of control checks them
// (validator_set_chain.h). The whole block, not only its header, so the
// joining node knows what the next block expects of it (its custody hops).
// `chunk_bits` says how the server cut the state (snapshot_chunk.h); it is
// not certified, and a wrong one only makes chunks fail to verify.
// Encoding (whitepaper/encoding.md, "Snapshot anchor").
#pragma once
#include <cstdint>
#include <vector>

#include "crypto/basics/result.h"
#include "ledger/block.h"
#include "ledger/canonical.h"
#include "ledger/genesis.h"
#include "ledger/validator_set_chain.h"

namespace nl::ledger {

// The validator-set changes from the genesis set up to some height: the
// certified headers of their blocks (strictly ascending) and the changes,
// each naming its header, in ascending (header, position) order.
struct SetChangeProof {
  std::vector<CertifiedHeader> headers;
  std::vector<SetChange> changes;

  void encode(Writer& w) const;
  static SetChangeProof decode(Reader& r);
};

inline constexpr uint32_t kMaxAnchorSetChanges = 10000;
inline constexpr size_t kMaxAnchorBytes = 64 * 1024 * 1024;

struct SnapshotAnchor {
  Block base;
  CommitCertificate cert;  // of base
  SetChangeProof set_changes;
  uint8_t chunk_bits = 0;

  uint64_t height() const { return base.header.height; }
  void encode(Writer& w) const;
  static SnapshotAnchor decode(Reader& r);
};

// Checks every set change from the genesis set, then the base header's
// set and certificate, and the base block's transactions and evidence
// against its header. The first failure is the reason.
Status verify_snapshot_anchor(const SnapshotAnchor& a, const Genesis& genesis);
// The same from TrustedSet::from_genesis(genesis), computed once (hashing a
// large genesis takes a while).
Status verify_snapshot_anchor(const SnapshotAnchor& a, const TrustedSet& genesis_start);

}  // namespace nl::ledger
