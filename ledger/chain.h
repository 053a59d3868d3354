// The chain: the registry state machine bound to its block store and state
// commitment. It turns a list of transactions into the next block (keeping
// the ones the rules accept and saying why the others were refused) and
// commits a block with its certificate. Opening it checks every hash link
// and the last block's state root, and refuses to start on a mismatch.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto/result.h"
#include "ledger/block.h"
#include "ledger/block_store.h"
#include "ledger/control_proof.h"
#include "ledger/genesis.h"
#include "ledger/registry.h"
#include "ledger/state_commitment.h"

namespace nl::ledger {

struct Rejection {
  crypto::Hash32 tx_id;
  std::string reason;
};

struct ProposedBlock {
  Block block;
  std::vector<Rejection> rejected;
  std::vector<StateWrite> writes;
};

class Chain {
 public:
  static Result<std::unique_ptr<Chain>> open(const std::string& dir, Genesis genesis);

  const Genesis& genesis() const { return genesis_; }
  const crypto::Hash32& genesis_hash() const { return genesis_hash_; }
  uint64_t height() const { return store_->tip_height(); }
  // The last committed header; at height 0 a synthetic header carrying the
  // genesis state root.
  const BlockHeader& tip_header() const { return tip_; }
  crypto::Hash32 tip_hash() const;

  // Applies `txs` in order to the live state and builds the next block from
  // the accepted ones. The state then holds the proposed block's effects:
  // the caller must commit() it next (single-validator production).
  ProposedBlock propose(const std::vector<Transaction>& txs, uint64_t time,
                        const crypto::PublicKey& proposer, SignatureCheck sigs);
  Status commit(const ProposedBlock& proposed, const CommitCertificate& cert);

  const Registry& registry() const { return registry_; }
  const BlockStore& store() const { return *store_; }
  BlockStore& store_for_testing() { return *store_; }
  const crypto::Hash32 state_root() const { return commitment_.root(); }

  // A self-contained proof of who controls `r` at the tip.
  Result<ControlProof> prove_control(const Resource& r) const;

 private:
  Chain() : registry_("") {}
  Genesis genesis_;
  crypto::Hash32 genesis_hash_;
  crypto::Hash32 validator_set_hash_;  // fixed until validator updates exist
  std::unique_ptr<BlockStore> store_;
  Registry registry_;
  StateCommitment commitment_;
  BlockHeader tip_;
  std::optional<CommitCertificate> tip_cert_;
  std::vector<StateWrite> genesis_writes_;  // persisted with block 1
};

}  // namespace nl::ledger
