// A block whose effects on the tip it was prepared on are computed and held
// aside, the live state untouched: what Chain::propose built or
// Chain::prepare checked. Chain::commit stores it with its certificate by
// replaying those effects (a block this node's consensus decided; one known
// only with its certificate is applied once: Chain::commit_certified).
#pragma once
#include <string>
#include <vector>

#include "crypto/hash.h"
#include "ledger/block.h"
#include "ledger/registry.h"
#include "ledger/state_commitment.h"

namespace nl::ledger {

struct Rejection {
  crypto::Hash32 tx_id;
  std::string reason;
};

struct EvidenceRejection {
  crypto::Hash32 evidence_id;
  std::string reason;
};

// Per transaction of a block, by index: non-zero when its signatures were
// already verified (say, by the mempool), so the chain does not verify
// them again. Shorter than the block's list means "verify the rest".
using TxsVerified = std::vector<char>;

struct PreparedBlock {
  Block block;
  // A built block: what propose() left out, and why.
  std::vector<Rejection> rejected;
  std::vector<EvidenceRejection> rejected_evidence;
  // The state entries the block writes, as the store keeps them.
  std::vector<StateWrite> writes;
  // The tip it was prepared on, and the state commitment it produced.
  crypto::Hash32 parent;
  StateCommitment::Snapshot state;
};

}  // namespace nl::ledger
