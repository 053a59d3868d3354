// The chain: the registry state machine bound to its block store and state
// commitment. It turns a list of transactions into the next block (keeping
// the ones the rules accept and saying why the others were refused) and
// commits a block with its certificate. It also checks and commits a block
// that another validator proposed. Opening it checks every hash link, every
// certificate against the validator set of its height, and the last
// block's state root, and refuses to start on a mismatch.
//
// Every method that changes or checks state needs exclusive access; the
// const ones may run together.
#pragma once
#include <deque>
#include <functional>
#include <map>
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

struct EvidenceRejection {
  crypto::Hash32 evidence_id;
  std::string reason;
};

// Whether a transaction's signatures were already verified (say, by the
// mempool when it arrived): such a transaction is not verified again.
using TxVerified = std::function<bool(const Transaction&)>;

struct DryRun {
  std::vector<Rejection> rejected;
  std::vector<EvidenceRejection> rejected_evidence;
};

struct ProposedBlock {
  Block block;
  std::vector<Rejection> rejected;
  std::vector<EvidenceRejection> rejected_evidence;
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

  // Applies `txs` in order, then `evidence` in order, to the live state and
  // builds the next block from the accepted ones; refused evidence is left
  // out with its reason, the block stays valid. The state then holds the
  // proposed block's effects: the caller must commit() it next
  // (single-validator production) or discard_proposal().
  ProposedBlock propose(const std::vector<Transaction>& txs, uint64_t time,
                        const crypto::PublicKey& proposer, SignatureCheck sigs,
                        const std::vector<Evidence>& evidence = {});
  // The certificate must carry > 2/3 of the power of the proposed height's set.
  Status commit(const ProposedBlock& proposed, const CommitCertificate& cert);
  // Undoes an uncommitted propose(): the state is the tip's again.
  Status discard_proposal();

  // What propose() would refuse, without building a block: `txs`, then
  // `evidence`, applied in order at unix time `time` to the registry alone
  // and undone at once; the state commitment is never touched, so this
  // costs about half a propose() and discard_proposal(). For the mempool's
  // re-check after each commit. Fails while a proposed block is pending.
  Result<DryRun> dry_run(const std::vector<Transaction>& txs, uint64_t time, SignatureCheck sigs,
                         const std::vector<Evidence>& evidence = {});

  // Would `b`, proposed by anyone, be valid as the next block? Checks the
  // header (chain, height, link, time, validator set, proposer, tx and
  // evidence roots, last commit), accepts every transaction and every piece
  // of evidence, and compares the resulting state root. The state is left
  // exactly as it was (applied, then undone from the store), pass or fail.
  Status check_block(const Block& b);
  // The same, without verifying again the signatures `verified` vouches for.
  Status check_block(const Block& b, const TxVerified& verified);
  // Commits a block another validator proposed, with its certificate: the
  // same checks as check_block, then it is stored with the state it
  // produces. On any failure nothing changes. The stored block carries this
  // node's own certificate of the previous height as its last commit (the
  // header hash, which consensus decided, does not cover it).
  // A block that check_block accepted, or propose() built, on the current
  // tip is not applied again: the state writes it produced then are
  // replayed (its header, which commits to its transactions, is checked).
  Status commit_block(const Block& b, const CommitCertificate& cert);
  Status commit_block(const Block& b, const CommitCertificate& cert, const TxVerified& verified);

  // The set that votes at `height`; sets are known up to height() + 2.
  // The reference is valid until the state next changes.
  const ValidatorSet& validators_at(uint64_t height) const { return registry_.validator_set_at(height); }

  const Registry& registry() const { return registry_; }
  const BlockStore& store() const { return *store_; }
  BlockStore& store_for_testing() { return *store_; }
  const crypto::Hash32 state_root() const { return commitment_.root(); }

  // A self-contained proof of who controls `r` at the tip.
  Result<ControlProof> prove_control(const Resource& r) const;

 private:
  Chain() : registry_("", {}) {}
  // The header checks of check_block, then every transaction and piece of
  // evidence applied to the live state and the state root compared. On
  // success the state holds the block's effects (the registry writes are
  // returned); on failure it is undone.
  Result<std::vector<StateWrite>> apply_block(const Block& b, const TxVerified& verified);
  Status check_header(const Block& b);
  // `cert` against the validator set of its height. The last few that
  // passed are remembered: a block's last commit is checked when the block
  // is checked and again when it commits, each time a signature per
  // validator.
  Status verify_certificate(const CommitCertificate& cert);
  // Sets every entry in `changed` back to its committed value (the store's,
  // or the genesis entries before block 1) in the registry, and the
  // commitment back to the tip's snapshot.
  void undo(const std::vector<StateWrite>& changed);
  // The committed value of every key in `changed`.
  std::vector<StateWrite> committed_values(const std::vector<StateWrite>& changed) const;
  // The state commitment follows the registry's writes, rehashed once.
  void commit_writes(const std::vector<StateWrite>& writes);
  // Block 1 also persists the genesis entries it left untouched.
  std::vector<StateWrite> with_genesis_writes(std::vector<StateWrite> writes) const;

  Genesis genesis_;
  crypto::Hash32 genesis_hash_;
  std::unique_ptr<BlockStore> store_;
  Registry registry_;
  StateCommitment commitment_;
  BlockHeader tip_;
  std::optional<CommitCertificate> tip_cert_;
  std::vector<StateWrite> genesis_writes_;  // persisted with block 1, sorted by key
  // Registry writes of a propose() not yet committed, for discard_proposal().
  std::optional<std::vector<StateWrite>> pending_;
  // The commitment at the tip: undo restores it instead of hashing back.
  StateCommitment::Snapshot tip_state_;
  // The last few blocks checked or built on the tip, by header hash, for
  // commit_block to replay: their registry writes and the commitment they
  // produced. Cleared when the tip moves.
  struct Prepared {
    std::vector<StateWrite> writes;
    StateCommitment::Snapshot state;
  };
  std::map<crypto::Hash32, Prepared> prepared_;
  std::deque<crypto::Hash32> verified_certs_;  // digests of certificate and set, newest last
  // Remembers the block applied just now (the commitment flushed).
  void remember_prepared(const crypto::Hash32& header_hash, const std::vector<StateWrite>& writes);
};

}  // namespace nl::ledger
