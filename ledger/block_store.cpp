#include "ledger/block_store.h"
#include "ledger/block_store_columns.h"
#include "ledger/block_write_batch.h"

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <tuple>
#include <type_traits>

namespace nl::ledger {

using namespace store_columns;

namespace {

constexpr std::string_view kTipKey = "tip";
constexpr std::string_view kGenesisKey = "genesis";
constexpr std::string_view kBaseKey = "base";
constexpr size_t kTreeBlockCacheBytes = 64u << 20;
constexpr size_t kStateBlockCacheBytes = 64u << 20;

Bytes height_key(uint64_t h) {
  Writer w;
  w.u64(h);
  return w.take();
}

constexpr std::string_view kHistoryFormatKey = "history_format";
constexpr size_t kTxLocationBytes = 8 + 4;

// The database closes when its last owner lets go: the store, or a state
// tree reader pinned at a past height (a state sync snapshot being served).
std::shared_ptr<rocksdb::DB> owned_db(rocksdb::DB* raw, std::vector<rocksdb::ColumnFamilyHandle*> cfs) {
  return std::shared_ptr<rocksdb::DB>(raw, [cfs](rocksdb::DB* db) {
    // The memtables to disk, so the next open need not replay the
    // write-ahead log: after an imported genesis that replay was 1.7 s of
    // every restart. Nothing depends on it: committed batches are synced.
    db->Flush(rocksdb::FlushOptions(), cfs).PermitUncheckedError();
    for (auto* h : cfs) db->DestroyColumnFamilyHandle(h);
    db->Close().PermitUncheckedError();
    delete db;
  });
}

// The state tree's records are hashes, which do not compress, read one at a
// time along a path: no compression, and a block cache of their own.
rocksdb::ColumnFamilyOptions tree_options() {
  rocksdb::ColumnFamilyOptions o;
  o.compression = rocksdb::kNoCompression;
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = rocksdb::NewLRUCache(kTreeBlockCacheBytes);
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  return o;
}

// The registry reads the authorizations from here (authorization_table.h),
// most often to learn that a key is absent: a bloom filter answers that
// without a block read, and the blocks read have a bounded cache of their own.
// The memtable has one too: a transaction asks three times whether its
// signer has a recovery set, and the answer is nearly always no.
rocksdb::ColumnFamilyOptions state_options() {
  rocksdb::ColumnFamilyOptions o;
  o.memtable_whole_key_filtering = true;
  o.memtable_prefix_bloom_size_ratio = 0.02;
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = rocksdb::NewLRUCache(kStateBlockCacheBytes);
  t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  return o;
}

rocksdb::ColumnFamilyOptions column_options(Cf cf) {
  return cf == kTree ? tree_options() : cf == kState ? state_options() : rocksdb::ColumnFamilyOptions();
}

}  // namespace

BlockStore::~BlockStore() {
  db_.reset();
  cfs_.clear();
}

Status BlockStore::write_tree(const std::vector<state_tree::NodeWrite>& tree) {
  rocksdb::WriteBatch batch;
  if (!put_tree(batch, cfs_[kTree], tree)) return fail("cannot build the write batch for the state tree");
  rocksdb::WriteOptions wo;
  wo.sync = true;
  if (auto s = db_->Write(wo, &batch); !s.ok()) return fail("cannot write the state tree: " + s.ToString());
  return {};
}

Status BlockStore::write_state(const std::vector<StateWrite>& writes) {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  for (size_t i = 0; i < writes.size(); i += kStateBatch) {
    rocksdb::WriteBatch batch;
    for (size_t j = i; j < std::min(writes.size(), i + kStateBatch); ++j) {
      if (!writes[j].value) return fail("a state entry to write has no value: " + to_hex(writes[j].key));
      if (!batch.Put(cfs_[kState], slice(writes[j].key), slice(*writes[j].value)).ok())
        return fail("cannot build the write batch for the state entries");
    }
    if (auto s = db_->Write(wo, &batch); !s.ok()) return fail("cannot write the state entries: " + s.ToString());
  }
  return {};
}

Status BlockStore::clear_tree() {
  // Record keys are at most 33 bytes (state_tree_nodes.h).
  const std::string past_end(64, '\xff');
  rocksdb::WriteOptions wo;
  wo.sync = true;
  if (auto s = db_->DeleteRange(wo, cfs_[kTree], rocksdb::Slice(), rocksdb::Slice(past_end)); !s.ok())
    return fail("cannot clear the state tree: " + s.ToString());
  return {};
}

Result<std::unique_ptr<BlockStore>> BlockStore::open(const std::string& dir, const crypto::Hash32& genesis_hash) {
  auto store = open_unchecked(dir);
  if (!store) return store;
  if (auto s = (*store)->bind_genesis(genesis_hash); !s) return s.take_error();
  return store;
}

Result<std::optional<crypto::Hash32>> BlockStore::stored_genesis_hash() const {
  std::string stored;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cfs_[kMeta], slice(kGenesisKey), &stored);
  if (s.IsNotFound()) return std::optional<crypto::Hash32>();
  if (!s.ok()) return fail("cannot read genesis from " + dir_ + ": " + s.ToString());
  crypto::Hash32 have;
  if (stored.size() != have.b.size())
    return fail(dir_ + " holds a corrupt genesis hash (" + std::to_string(stored.size()) + " bytes)");
  std::copy(stored.begin(), stored.end(), have.b.begin());
  return std::optional<crypto::Hash32>(have);
}

Status BlockStore::bind_genesis(const crypto::Hash32& genesis_hash) {
  auto have = stored_genesis_hash();
  if (!have) return have.take_error();
  if (*have && **have != genesis_hash)
    return fail(dir_ + " holds a ledger for another genesis (stored " + (*have)->hex() + ", expected " +
                genesis_hash.hex() + ")");
  if (*have) return {};
  rocksdb::WriteOptions wo;
  wo.sync = true;
  rocksdb::Status s = db_->Put(wo, cfs_[kMeta], slice(kGenesisKey), slice(ByteView(genesis_hash.b)));
  if (!s.ok()) return fail("cannot record genesis in " + dir_ + ": " + s.ToString());
  return {};
}

Result<std::unique_ptr<BlockStore>> BlockStore::open_unchecked(const std::string& dir) {
  // RocksDB creates only the last path component; a missing parent would
  // otherwise be reported as an obscure IO error.
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);

  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (size_t cf = 0; cf < kCfCount; ++cf) descriptors.emplace_back(kCfNames[cf], column_options(Cf(cf)));

  std::unique_ptr<BlockStore> store(new BlockStore());
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, dir, descriptors, &store->cfs_, &raw);
  if (!s.ok()) {
    // A failed Open owns no handles, but clear defensively so the
    // destructor never touches a DB that does not exist.
    store->cfs_.clear();
    delete raw;
    return fail("cannot open ledger at " + dir + ": " + s.ToString());
  }
  store->db_ = owned_db(raw, store->cfs_);
  store->dir_ = dir;

  std::string stored;
  s = raw->Get(rocksdb::ReadOptions(), store->cfs_[kMeta], slice(kTipKey), &stored);
  if (s.ok()) {
    if (stored.size() != 8)
      return fail(dir + " holds a corrupt tip height (" + std::to_string(stored.size()) +
                  " bytes)");
    store->tip_ = Reader(view(stored)).u64();
  } else if (!s.IsNotFound()) {
    return fail("cannot read tip from " + dir + ": " + s.ToString());
  }
  s = raw->Get(rocksdb::ReadOptions(), store->cfs_[kMeta], slice(kBaseKey), &stored);
  if (s.ok()) {
    if (stored.size() != 8)
      return fail(dir + " holds a corrupt base height (" + std::to_string(stored.size()) + " bytes)");
    store->base_ = Reader(view(stored)).u64();
    if (store->base_ > store->tip_) return fail(dir + " holds a base height above its tip");
  } else if (!s.IsNotFound()) {
    return fail("cannot read the base height from " + dir + ": " + s.ToString());
  }
  if (auto st = store->upgrade_history_index(); !st) return fail(dir + ": " + st.error());
  return store;
}

Status BlockStore::append(const Block& block, const CommitCertificate& cert, const std::vector<StateWrite>& writes,
                          const std::vector<state_tree::NodeWrite>& tree, Durability durability) {
  const uint64_t h = block.header.height;
  if (h <= tip_)
    return fail("height " + std::to_string(h) +
                " is already committed; heights are never overwritten");
  if (h != tip_ + 1)
    return fail("expected height " + std::to_string(tip_ + 1) + ", got " + std::to_string(h));
  if (cert.height != h)
    return fail("certificate is for height " + std::to_string(cert.height) + ", block is " +
                std::to_string(h));
  if (cert.block_hash != block.header.hash())
    return fail("certificate at height " + std::to_string(h) + " is for another block");
  // Encoded once, for the size rule and the write.
  const Bytes encoded = block.encode();
  const size_t commit_bytes = block.last_commit ? block.last_commit->encode().size() : 0;
  if (auto s = check_block_size(encoded.size() - commit_bytes); !s)
    return fail("height " + std::to_string(h) + ": " + s.error());

  const Bytes hkey = height_key(h);
  std::string existing;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cfs_[kBlocks], slice(hkey), &existing);
  if (s.ok())
    return fail("height " + std::to_string(h) +
                " is already committed; heights are never overwritten");
  if (!s.IsNotFound()) return fail("cannot check height " + std::to_string(h) + ": " + s.ToString());

  rocksdb::WriteBatch batch;
  auto check = [](const rocksdb::Status& st) { return st.ok(); };
  bool ok = check(batch.Put(cfs_[kBlocks], slice(hkey), slice(encoded)));
  ok = ok && check(batch.Put(cfs_[kCerts], slice(hkey), slice(cert.encode())));
  ok = ok && put_tx_indexes(batch, cfs_[kTxIndex], cfs_[kHistory], block);
  for (const auto& w : writes) {
    if (!ok) break;
    ok = w.value ? check(batch.Put(cfs_[kState], slice(w.key), slice(*w.value)))
                 : check(batch.Delete(cfs_[kState], slice(w.key)));
  }
  ok = ok && put_tree(batch, cfs_[kTree], tree);
  ok = ok && check(batch.Put(cfs_[kMeta], slice(kTipKey), slice(height_key(h))));
  if (!ok) return fail("cannot build the write batch for height " + std::to_string(h));

  rocksdb::WriteOptions wo;
  wo.sync = durability == Durability::synced;
  s = db_->Write(wo, &batch);
  if (!s.ok()) return fail("cannot write height " + std::to_string(h) + ": " + s.ToString());
  tip_ = h;
  return Status::success();
}

Status BlockStore::sync() {
  if (auto s = db_->SyncWAL(); !s.ok()) return fail("cannot sync the block store: " + s.ToString());
  return {};
}

Status BlockStore::install_base(const Block& block, const CommitCertificate& cert,
                                const std::vector<StateWrite>& writes) {
  const uint64_t h = block.header.height;
  if (tip_ != 0) return fail("a snapshot starts only an empty ledger; this one holds height " + std::to_string(tip_));
  if (h == 0) return fail("a snapshot is of height 1 or above");
  if (cert.height != h || cert.block_hash != block.header.hash())
    return fail("the snapshot's certificate is for another block");
  const Bytes hkey = height_key(h);
  rocksdb::WriteBatch batch;
  bool ok = batch.Put(cfs_[kBlocks], slice(hkey), slice(block.encode())).ok();
  ok = ok && batch.Put(cfs_[kCerts], slice(hkey), slice(cert.encode())).ok();
  ok = ok && put_tx_indexes(batch, cfs_[kTxIndex], cfs_[kHistory], block);
  for (const auto& w : writes)
    if (ok && w.value) ok = batch.Put(cfs_[kState], slice(w.key), slice(*w.value)).ok();
  ok = ok && batch.Put(cfs_[kMeta], slice(kBaseKey), slice(hkey)).ok();
  ok = ok && batch.Put(cfs_[kMeta], slice(kTipKey), slice(hkey)).ok();
  if (!ok) return fail("cannot build the write batch for the snapshot of height " + std::to_string(h));
  rocksdb::WriteOptions wo;
  wo.sync = true;
  if (auto s = db_->Write(wo, &batch); !s.ok())
    return fail("cannot write the snapshot of height " + std::to_string(h) + ": " + s.ToString());
  base_ = h;
  tip_ = h;
  return {};
}

Result<Block> BlockStore::block(uint64_t height) const {
  std::string bytes;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), cfs_[kBlocks], slice(height_key(height)), &bytes);
  if (s.IsNotFound()) return fail("no block at height " + std::to_string(height));
  if (!s.ok()) return fail("cannot read block " + std::to_string(height) + ": " + s.ToString());
  return Block::decode(view(bytes));
}

Result<CommitCertificate> BlockStore::cert(uint64_t height) const {
  std::string bytes;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), cfs_[kCerts], slice(height_key(height)), &bytes);
  if (s.IsNotFound()) return fail("no block at height " + std::to_string(height));
  if (!s.ok())
    return fail("cannot read certificate " + std::to_string(height) + ": " + s.ToString());
  return CommitCertificate::decode(view(bytes));
}

std::optional<TxLocation> BlockStore::find_tx(const crypto::Hash32& id) const {
  std::string bytes;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cfs_[kTxIndex], slice(ByteView(id.b)), &bytes);
  if (!s.ok() || bytes.size() != kTxLocationBytes) return std::nullopt;
  Reader r(view(bytes));
  TxLocation loc;
  loc.height = r.u64();
  loc.index = r.u32();
  return loc;
}

Status BlockStore::for_each_history(const Resource& r, std::optional<TxLocation> before,
                                    const std::function<bool(TxLocation)>& visit) const {
  const rocksdb::Snapshot* snap = db_->GetSnapshot();
  Status st = history_index::walk(*db_, cfs_[kHistory], snap, r, before, visit);
  db_->ReleaseSnapshot(snap);
  return st;
}

Status BlockStore::for_each_key_change(const AccountId& account, const std::function<void(TxLocation)>& visit) const {
  const rocksdb::Snapshot* snap = db_->GetSnapshot();
  Status st = history_index::walk_key_changes(*db_, cfs_[kHistory], snap, account, visit);
  db_->ReleaseSnapshot(snap);
  return st;
}

Result<HistoryPage> BlockStore::history(const Resource& r, size_t limit, std::optional<TxLocation> before) const {
  HistoryPage page;
  if (limit == 0 || r.first > r.last) return page;
  const rocksdb::Snapshot* snap = db_->GetSnapshot();
  // One entry past the page says whether there is a next one.
  Status st = history_index::walk(
      *db_, cfs_[kHistory], snap, r, before,
      [&](TxLocation at) {
        if (page.entries.size() == limit) {
          page.next = page.entries.back();
          return false;
        }
        page.entries.push_back(at);
        return true;
      },
      &page.stats);
  db_->ReleaseSnapshot(snap);
  if (!st) return st.take_error();
  return page;
}

Status BlockStore::upgrade_history_index() {
  std::string stored;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cfs_[kMeta], slice(kHistoryFormatKey), &stored);
  if (s.ok() && stored.size() == 1 && static_cast<uint8_t>(stored[0]) == history_index::kFormat) return {};
  if (!s.ok() && !s.IsNotFound()) return fail("cannot read the history index format: " + s.ToString());
  // Another format (or none): drop every key and post each committed
  // transaction again, a batch per 256 blocks.
  const std::string past_end(64, '\xff');
  s = db_->DeleteRange(rocksdb::WriteOptions(), cfs_[kHistory], rocksdb::Slice(), rocksdb::Slice(past_end));
  if (!s.ok()) return fail("cannot clear the history index: " + s.ToString());
  rocksdb::WriteBatch batch;
  const uint64_t tip = tip_.load();
  for (uint64_t h = base_height(); h <= tip; ++h) {
    auto b = block(h);
    if (!b) return fail("cannot rebuild the history index: " + b.error());
    if (!put_history(batch, cfs_[kHistory], *b))
      return fail("cannot rebuild the history index at height " + std::to_string(h));
    if (h % 256 == 0 || h == tip) {
      s = db_->Write(rocksdb::WriteOptions(), &batch);
      if (!s.ok()) return fail("cannot rebuild the history index: " + s.ToString());
      batch.Clear();
    }
  }
  rocksdb::WriteOptions wo;
  wo.sync = true;
  const char format = static_cast<char>(history_index::kFormat);
  s = db_->Put(wo, cfs_[kMeta], slice(kHistoryFormatKey), rocksdb::Slice(&format, 1));
  if (!s.ok()) return fail("cannot record the history index format: " + s.ToString());
  return {};
}

Status BlockStore::for_each_state(const std::function<Status(ByteView key, ByteView value)>& fn, ByteView from,
                                  ByteView to) const {
  rocksdb::ReadOptions ro;
  const rocksdb::Slice upper = slice(to);
  if (!to.empty()) ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cfs_[kState]));
  for (it->Seek(slice(from)); it->Valid(); it->Next())
    if (Status s = fn(view(it->key()), view(it->value())); !s) return s;
  if (!it->status().ok()) return fail("cannot read the state: " + it->status().ToString());
  return Status::success();
}

std::vector<BlockStore::ColumnSize> BlockStore::column_sizes() const {
  std::vector<ColumnSize> out;
  for (size_t i = 0; i < kCfCount; ++i) {
    ColumnSize c{kCfNames[i]};
    db_->GetIntProperty(cfs_[i], "rocksdb.total-sst-files-size", &c.sst_bytes);
    db_->GetIntProperty(cfs_[i], "rocksdb.cur-size-all-mem-tables", &c.memtable_bytes);
    out.push_back(std::move(c));
  }
  return out;
}

Result<std::optional<Bytes>> BlockStore::state_value(ByteView key) const {
  std::string bytes;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cfs_[kState], slice(key), &bytes);
  if (s.IsNotFound()) return std::optional<Bytes>();
  if (!s.ok()) return fail("cannot read state entry " + to_hex(key) + ": " + s.ToString());
  return std::optional<Bytes>(Bytes(bytes.begin(), bytes.end()));
}

Status BlockStore::verify_chain(
    const crypto::Hash32& genesis_hash,
    const std::function<Status(const BlockHeader&, const CommitCertificate&)>& check_cert) const {
  crypto::Hash32 prev_hash = genesis_hash;
  std::optional<CommitCertificate> prev_cert;
  for (uint64_t h = base_height(); h <= tip_; ++h) {
    const std::string at = "height " + std::to_string(h);
    auto b = block(h);
    if (!b) return fail("block at " + at + " is corrupt: " + b.error());
    const BlockHeader& hdr = b->header;
    if (hdr.height != h)
      return fail("block at " + at + " says it is height " + std::to_string(hdr.height));
    if (h != base_ && hdr.prev_hash != prev_hash)
      return fail("block at " + at + " does not link to height " + std::to_string(h - 1));
    if (tx_root(b->txs) != hdr.tx_root)
      return fail("block at " + at + " holds transactions that do not match its header's tx root");
    if (evidence_root(b->evidence) != hdr.evidence_root)
      return fail("block at " + at + " holds evidence that does not match its header's evidence root");
    const crypto::Hash32 hash = hdr.hash();
    auto c = cert(h);
    if (!c) return fail("certificate at " + at + " is corrupt: " + c.error());
    if (c->height != h || c->block_hash != hash)
      return fail("certificate at " + at + " does not match its block");
    if (check_cert)
      if (auto st = check_cert(hdr, *c); !st) return fail("certificate at " + at + " is invalid: " + st.error());
    if (b->last_commit && prev_cert && *b->last_commit != *prev_cert)
      return fail("block at " + at + " carries a last commit that is not the certificate of height " +
                  std::to_string(h - 1));
    prev_hash = hash;
    prev_cert = std::move(*c);
  }
  return Status::success();
}

}  // namespace nl::ledger
