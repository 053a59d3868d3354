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
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto/basics/result.h"
#include "ledger/block.h"
#include "ledger/block_store.h"
#include "ledger/control_proof.h"
#include "ledger/genesis.h"
#include "ledger/genesis_records.h"
#include "ledger/prepared_block.h"
#include "ledger/registry.h"
#include "ledger/snapshot_anchor.h"
#include "ledger/snapshot_source.h"
#include "ledger/state_commitment.h"

namespace nl::ledger {

// What a start checks of the stored state besides the chain: the stored
// state tree's root against the last header (the tree and the entries are
// written in one batch), or also every entry hashed again into a tree of
// its own and the registry's invariants (numledgerd --verify-state).
enum class StateCheck { tree_root, every_entry };

struct ChainOptions {
  StateCheck check = StateCheck::tree_root;
  // The state tree keeps its nodes above this depth (rounded up to a
  // multiple of state_tree::kGroupLevels) in memory and reads the rest
  // from disk: 2^16 places, about 14 MB once all are loaded, so that a
  // path of a tree of a few million entries is 2 records deep.
  unsigned tree_cache_depth = 16;
  // Takes each version of the state tree that a commit replaces, to free
  // it; unset, it is freed on the committing thread. A node frees it on a
  // thread of its own (node/driver/state_release.h).
  std::function<void(StateCommitment::Snapshot&&)> release_state;
};

struct DryRun {
  std::vector<Rejection> rejected;
  std::vector<EvidenceRejection> rejected_evidence;
};

// One block's life: propose() builds it or prepare() checks it, either
// way into a PreparedBlock, with the live state left as it was; commit()
// stores a prepared block with its certificate.
class Chain {
 public:
  static Result<std::unique_ptr<Chain>> open(const std::string& dir, Genesis genesis, ChainOptions options = {});

  // The genesis's chain id, time, validators and roots. Its imported
  // holdings and authorizations are in the state once open, and are not
  // kept here; their registration dates, which the state has no field
  // for, are in genesis_records().
  const Genesis& genesis() const { return genesis_; }
  const GenesisRecords& genesis_records() const { return genesis_records_; }
  const crypto::Hash32& genesis_hash() const { return genesis_hash_; }
  uint64_t height() const { return store_->tip_height(); }
  // The last committed header; at height 0 a synthetic header carrying the
  // genesis state root.
  const BlockHeader& tip_header() const { return tip_; }
  crypto::Hash32 tip_hash() const;

  // The next block from `txs` in order, then `evidence` in order, applied
  // at unix time `time` (not before the tip's): what the rules refuse is
  // left out with its reason, and the block stays valid. The live state is
  // left as it was.
  PreparedBlock propose(const std::vector<Transaction>& txs, uint64_t time, const crypto::PublicKey& proposer,
                        SignatureCheck sigs, const std::vector<Evidence>& evidence = {});

  // Would `b`, proposed by anyone, be valid as the next block? Checks the
  // header (chain, height, link, time, validator set, proposer, tx and
  // evidence roots, last commit), accepts every transaction and every piece
  // of evidence, and compares the resulting state root. The live state is
  // left exactly as it was, pass or fail.
  Result<PreparedBlock> prepare(const Block& b, const TxsVerified& verified = {});

  // Stores a block prepared on the current tip with its certificate (> 2/3
  // of the power of its height's set, for its header hash), replaying the
  // effects computed when it was prepared. On any failure nothing changes.
  // The stored block carries this node's own certificate of the previous
  // height as its last commit (the header hash does not cover it).
  // `Durability::deferred` leaves the fsync to sync_store(), for a run of
  // blocks committed at once (block sync); the caller says nothing of
  // them until it returns.
  Status commit(const PreparedBlock& prepared, const CommitCertificate& cert,
                Durability durability = Durability::synced);
  // A block known with its certificate (block sync): checked as prepare()
  // checks it and stored as commit() stores it, but applied once instead of
  // applied, undone and replayed. Refused for the same reasons; on any
  // failure nothing changes.
  Status commit_certified(const Block& b, const CommitCertificate& cert, const TxsVerified& verified = {},
                          Durability durability = Durability::synced);
  // Every deferred commit made durable (BlockStore::sync).
  Status sync_store() { return store_->sync(); }

  // What propose() would refuse, without building a block: `txs`, then
  // `evidence`, applied in order at unix time `time` to the registry alone
  // and undone at once; the state commitment is never touched. For the
  // mempool's re-check after each commit.
  DryRun dry_run(const std::vector<Transaction>& txs, uint64_t time, SignatureCheck sigs,
                 const std::vector<Evidence>& evidence = {});

  // The set that votes at `height`; sets are known up to height() + 2.
  // The reference is valid until the state next changes.
  const ValidatorSet& validators_at(uint64_t height) const { return registry_.validator_set_at(height); }

  const Registry& registry() const { return registry_; }
  const BlockStore& store() const { return *store_; }
  const crypto::Hash32 state_root() const { return commitment_.root(); }

  // A self-contained proof of who controls `r` at the tip, with its
  // custody chain; it verifies against the genesis before it is returned.
  Result<ControlProof> prove_control(const Resource& r) const;

  // State sync (snapshot_source.h): the tip's state cut in chunks, with
  // the anchor that certifies its root from the genesis.
  Result<SnapshotSource> snapshot() const;
  // A new chain in `dir` (which must hold none) that starts at a snapshot:
  // `anchor` passed verify_snapshot_anchor, and `entries` are every entry
  // of its state (a complete SnapshotAssembly). Stores the base block and
  // the state in one batch, then opens as open() does, which checks the
  // state against the anchor's state root.
  static Result<std::unique_ptr<Chain>> open_from_snapshot(const std::string& dir, Genesis genesis,
                                                           const SnapshotAnchor& anchor,
                                                           std::vector<StateMultiproof::Entry> entries,
                                                           ChainOptions options = {});

 private:
  Chain() : registry_("", {}) {}
  // The state tree from the store, or (a store that holds none: from
  // before trees were stored, or just filled by state sync) built from the
  // entries and stored; checked as options_.check says.
  Status open_state_tree();
  // The header checks of prepare, then every transaction and piece of
  // evidence applied to the live state and the state root compared. On
  // success the state holds the block's effects (the registry writes are
  // returned); on failure it is undone.
  using BlockReader = std::function<Result<const Block*>(uint64_t height)>;
  // Where the validator-updates of the sets in force by the tip are.
  Result<std::vector<TxLocation>> set_change_locations(const BlockReader& block_at) const;
  // Where the custody hops of r are (custody_chain.h), ascending; with the
  // key changes of `holders` (r's present holders), so a holder's rotation
  // to its own key is in the chain even before it signs a hop.
  Result<std::vector<TxLocation>> custody_hops(const Resource& r, const std::vector<AccountId>& holders,
                                               const BlockReader& block_at) const;
  Result<std::vector<StateWrite>> apply_block(const Block& b, const TxsVerified& verified);
  Status check_header(const Block& b);
  // `cert` against the validator set of its height; the tip's own
  // certificate, byte for byte, is known good.
  Status verify_certificate(const CommitCertificate& cert) const;
  // Sets every entry in `changed` back to its committed value (the
  // store's) in the registry, and the commitment back to the tip's
  // snapshot.
  void undo(const std::vector<StateWrite>& changed);
  // The committed value of every key in `changed`.
  std::vector<StateWrite> committed_values(const std::vector<StateWrite>& changed) const;
  // The registry's writes for the block at `height` and, when its parent
  // (height - 1 >= 1) carries a custody hop, the parent's hash under
  // 'B' || height - 1 (state_keys.h), sorted by key.
  std::vector<StateWrite> take_block_writes(uint64_t height);
  // The state commitment follows the registry's writes, rehashed once.
  void commit_writes(const std::vector<StateWrite>& writes);
  // Stores `b`, whose effects (`writes`) the live state holds, with `cert`
  // (checked by the caller) as the new tip; undone if the store fails.
  Status store_applied(const Block& b, const CommitCertificate& cert, const std::vector<StateWrite>& writes,
                       Durability durability);
  // The applied block's effects held aside, then undone from the live state.
  PreparedBlock set_aside(Block b, std::vector<StateWrite> writes);

  Genesis genesis_;  // without its holdings and authorizations (see genesis())
  GenesisRecords genesis_records_;
  ChainOptions options_;
  crypto::Hash32 genesis_hash_;
  std::unique_ptr<BlockStore> store_;
  Registry registry_;
  StateCommitment commitment_;
  BlockHeader tip_;
  std::optional<CommitCertificate> tip_cert_;
  // The commitment at the tip: undo restores it instead of hashing back.
  StateCommitment::Snapshot tip_state_;
  // Whether the tip's block carries a custody hop (custody_chain.h): then the
  // next block records its hash. Empty blocks, most of them, add nothing.
  bool tip_has_hop_ = false;
};

}  // namespace nl::ledger
