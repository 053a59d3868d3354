// The block store (RocksDB). Column families:
//   blocks   u64 height -> Block
//   certs    u64 height -> CommitCertificate of that height
//   txindex  tx id -> u64 height || u32 index
//   state    state key -> value (state_keys.h)
//   history  posting lists by CIDR block, newest first (history_index.h)
//   meta     "tip" -> u64 height, "genesis" -> genesis hash,
//            "base" -> u64 height of the first block held (state sync;
//            absent: 1),
//            "history_format" -> u8 (an index of another format is rebuilt)
//   tree     the state tree's inner nodes by place (state_tree_nodes.h)
// Everything one block does is one WriteBatch, so a crash leaves all of a
// block or none of it; it is written with sync=true, or (a run of synced
// blocks) handed to the OS at once and fsynced by sync() after the run's
// last. A height is never overwritten.
#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto/hash.h"
#include "crypto/basics/result.h"
#include "ledger/block.h"
#include "ledger/history_index.h"
#include "ledger/registry.h"
#include "ledger/state_reader.h"
#include "ledger/state_tree_nodes.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace nl::ledger {

// Whether a write is fsynced before it returns, or by the next
// BlockStore::sync().
enum class Durability { synced, deferred };

struct HistoryPage {
  std::vector<TxLocation> entries;  // newest first
  // Where the next page starts (pass it as `before`); nullopt: no more.
  std::optional<TxLocation> next;
  history_index::WalkStats stats;
};

class BlockStore {
 public:
  // Creates the database if missing. On an existing one the stored genesis
  // hash must equal `genesis_hash`.
  static Result<std::unique_ptr<BlockStore>> open(const std::string& dir,
                                                  const crypto::Hash32& genesis_hash);
  // The same without the genesis check, for a caller that computes the
  // genesis hash while it reads the store: it then calls bind_genesis(),
  // which checks the hash against the stored one, or records it in a new
  // store.
  static Result<std::unique_ptr<BlockStore>> open_unchecked(const std::string& dir);
  Result<std::optional<crypto::Hash32>> stored_genesis_hash() const;
  Status bind_genesis(const crypto::Hash32& genesis_hash);
  ~BlockStore();

  uint64_t tip_height() const { return tip_.load(); }
  // The first height held: 1, or the snapshot height of a store that
  // began by state sync (nothing below it is held).
  uint64_t base_height() const { return base_ == 0 ? 1 : base_; }

  // Starts an empty store at a snapshot: `block` (the snapshot height's,
  // certified by `cert`) and the whole state `writes` in one synced batch;
  // the store then holds that height as its tip and its base.
  Status install_base(const Block& block, const CommitCertificate& cert, const std::vector<StateWrite>& writes);

  // Appends block `block.header.height == tip + 1` with its certificate,
  // state writes and state tree writes, in one batch: synced, or
  // `Durability::deferred` to the next sync().
  Status append(const Block& block, const CommitCertificate& cert, const std::vector<StateWrite>& writes,
                const std::vector<state_tree::NodeWrite>& tree = {}, Durability durability = Durability::synced);
  // Makes every deferred append durable: one fsync of RocksDB's write-ahead
  // log, which holds them in order. Until then a deferred batch is in the
  // OS (a killed process loses none of it); a power loss may lose a suffix
  // of them, never part of one block or a block without its parent.
  Status sync();

  // The state tree's records as they are at each read (reads fail once the
  // store is closed); and pinned, as they are now however the store changes
  // later (for a reader on another thread: it keeps the database open).
  std::shared_ptr<const state_tree::NodeReader> tree_reader() const;
  std::shared_ptr<const state_tree::NodeReader> pinned_tree_reader() const;
  // The committed state entries as they are at each read
  // (block_store_readers.cpp), for the registry's entries kept on disk.
  std::shared_ptr<const StateReader> state_reader() const;
  // State entries alone (none deleted), in synced batches of at most
  // kStateBatch: a first start's genesis entries, at height 0.
  static constexpr size_t kStateBatch = 65536;
  Status write_state(const std::vector<StateWrite>& writes);
  // Tree records alone, in one synced batch: a tree built at open.
  Status write_tree(const std::vector<state_tree::NodeWrite>& tree);
  // Deletes every tree record: what an interrupted build left.
  Status clear_tree();

  Result<Block> block(uint64_t height) const;
  Result<CommitCertificate> cert(uint64_t height) const;
  // One RocksDB read and nothing else of the store's: safe to call while
  // another thread appends (a block's index entries appear all at once).
  std::optional<TxLocation> find_tx(const crypto::Hash32& id) const;
  // The `limit` latest transactions older than `before` whose named range
  // overlaps r, newest first, read from one snapshot: reads only what it
  // returns (history_index.h) and is safe while another thread appends.
  Result<HistoryPage> history(const Resource& r, size_t limit, std::optional<TxLocation> before = {}) const;
  // The same walk with a visitor that returns false to stop.
  Status for_each_history(const Resource& r, std::optional<TxLocation> before,
                          const std::function<bool(TxLocation)>& visit) const;
  // Each key change of `account` (history_index::walk_key_changes), oldest first.
  Status for_each_key_change(const AccountId& account, const std::function<void(TxLocation)>& visit) const;
  // Every committed state entry in key order, or those in [from, to) (an
  // empty `to`: to the end).
  Status for_each_state(const std::function<Status(ByteView key, ByteView value)>& fn, ByteView from = {},
                        ByteView to = {}) const;
  // One committed state entry; nullopt when absent.
  Result<std::optional<Bytes>> state_value(ByteView key) const;

  // What each column family takes: on disk (SST files) and in memtables.
  struct ColumnSize {
    std::string name;
    uint64_t sst_bytes = 0, memtable_bytes = 0;
  };
  std::vector<ColumnSize> column_sizes() const;

  // Walks heights base..tip (the base's link to its parent is not held): decodes each block, checks its height, its link to
  // the previous header, its transactions against the tx root, its evidence
  // against the evidence root, and its certificate (block hash, then
  // `check_cert` with the block's header for the signatures). Names the
  // first height that fails.
  Status verify_chain(
      const crypto::Hash32& genesis_hash,
      const std::function<Status(const BlockHeader&, const CommitCertificate&)>& check_cert = {}) const;

 private:
  BlockStore() = default;
  std::shared_ptr<rocksdb::DB> db_;
  std::string dir_;
  std::vector<rocksdb::ColumnFamilyHandle*> cfs_;
  // Rebuilds the history index when it is missing or of another format.
  Status upgrade_history_index();

  std::atomic<uint64_t> tip_ = 0;
  uint64_t base_ = 0;  // 0: the store began at the genesis
};

}  // namespace nl::ledger
