// The block store (RocksDB). Column families:
//   blocks   u64 height -> Block
//   certs    u64 height -> CommitCertificate of that height
//   txindex  tx id -> u64 height || u32 index
//   state    state key -> value (state_keys.h)
//   history  u8 family || u128 first || u64 height || u32 index -> u128 last
//   meta     "tip" -> u64 height, "genesis" -> genesis hash
// Everything one block does is one WriteBatch written with sync=true, so a
// crash leaves all of a block or none of it. A height is never overwritten.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto/hash.h"
#include "crypto/result.h"
#include "ledger/block.h"
#include "ledger/registry.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace nl::ledger {

struct TxLocation {
  uint64_t height = 0;
  uint32_t index = 0;
};

struct HistoryEntry {
  Resource range;  // the range the transaction named
  uint64_t height = 0;
  uint32_t index = 0;
};

class BlockStore {
 public:
  // Creates the database if missing. On an existing one the stored genesis
  // hash must equal `genesis_hash`.
  static Result<std::unique_ptr<BlockStore>> open(const std::string& dir,
                                                  const crypto::Hash32& genesis_hash);
  ~BlockStore();

  uint64_t tip_height() const { return tip_; }

  // Appends block `block.header.height == tip + 1` with its certificate and
  // state writes, in one synced batch.
  Status append(const Block& block, const CommitCertificate& cert,
                const std::vector<StateWrite>& writes);

  Result<Block> block(uint64_t height) const;
  Result<CommitCertificate> cert(uint64_t height) const;
  // One RocksDB read and nothing else of the store's: safe to call while
  // another thread appends (a block's index entries appear all at once).
  std::optional<TxLocation> find_tx(const crypto::Hash32& id) const;
  // The latest `limit` transactions whose named range overlaps r, in ledger order.
  std::vector<HistoryEntry> history(const Resource& r, size_t limit) const;
  // Every committed state entry, in key order.
  Status for_each_state(const std::function<Status(ByteView key, ByteView value)>& fn) const;
  // One committed state entry; nullopt when absent.
  Result<std::optional<Bytes>> state_value(ByteView key) const;

  // Walks heights 1..tip: decodes each block, checks its height, its link to
  // the previous header, its transactions against the tx root, its evidence
  // against the evidence root, and its certificate (block hash, then
  // `check_cert` with the block's header for the signatures). Names the
  // first height that fails.
  Status verify_chain(
      const crypto::Hash32& genesis_hash,
      const std::function<Status(const BlockHeader&, const CommitCertificate&)>& check_cert = {}) const;

  // Test-only (tests/tools/tamper_block.cpp): flips one byte of the stored
  // header's state root at `height`, so the block still decodes but no
  // longer matches its certificate. Never call it on a real ledger.
  Status tamper_block_for_testing(uint64_t height);

 private:
  BlockStore() = default;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> cfs_;
  uint64_t tip_ = 0;
};

}  // namespace nl::ledger
