#include "ledger/block_store.h"

#include <rocksdb/db.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <tuple>
#include <type_traits>

namespace nl::ledger {

namespace {

// Indices into cfs_; the order matches kCfNames.
enum Cf : size_t { kDefault, kBlocks, kCerts, kTxIndex, kState, kHistory, kMeta, kCfCount };
const char* const kCfNames[kCfCount] = {"default", "blocks",  "certs", "txindex",
                                        "state",   "history", "meta"};

constexpr std::string_view kTipKey = "tip";
constexpr std::string_view kGenesisKey = "genesis";

rocksdb::Slice slice(ByteView b) {
  return rocksdb::Slice(reinterpret_cast<const char*>(b.data()), b.size());
}
rocksdb::Slice slice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }
ByteView view(const rocksdb::Slice& s) {
  return ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
ByteView view(const std::string& s) { return as_bytes(s); }

Bytes height_key(uint64_t h) {
  Writer w;
  w.u64(h);
  return w.take();
}

Bytes history_key(Family f, u128 first, uint64_t height, uint32_t index) {
  Writer w;
  w.u8(static_cast<uint8_t>(f)).u128v(first).u64(height).u32(index);
  return w.take();
}

constexpr size_t kHistoryKeyBytes = 1 + 16 + 8 + 4;
constexpr size_t kTxLocationBytes = 8 + 4;

// Byte offset of the state root inside an encoded block (BlockHeader::encode).
std::optional<size_t> state_root_offset(ByteView block) {
  if (block.size() < 5) return std::nullopt;
  Reader r(block);
  r.u8();
  size_t chain_id_len = r.u32();
  size_t off = 1 + 4 + chain_id_len + 8 + 8 + 32 + 32;
  if (off + 32 > block.size()) return std::nullopt;
  return off;
}

}  // namespace

BlockStore::~BlockStore() {
  if (!db_) return;
  for (auto* h : cfs_) db_->DestroyColumnFamilyHandle(h);
  cfs_.clear();
  db_->Close().PermitUncheckedError();
  db_.reset();
}

Result<std::unique_ptr<BlockStore>> BlockStore::open(const std::string& dir,
                                                     const crypto::Hash32& genesis_hash) {
  // RocksDB creates only the last path component; a missing parent would
  // otherwise be reported as an obscure IO error.
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);

  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const char* name : kCfNames)
    descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());

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
  store->db_.reset(raw);

  std::string stored;
  s = raw->Get(rocksdb::ReadOptions(), store->cfs_[kMeta], slice(kGenesisKey), &stored);
  if (s.ok()) {
    crypto::Hash32 have;
    if (stored.size() != have.b.size())
      return fail(dir + " holds a corrupt genesis hash (" + std::to_string(stored.size()) +
                  " bytes)");
    std::copy(stored.begin(), stored.end(), have.b.begin());
    if (have != genesis_hash)
      return fail(dir + " holds a ledger for another genesis (stored " + have.hex() +
                  ", expected " + genesis_hash.hex() + ")");
  } else if (s.IsNotFound()) {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    s = raw->Put(wo, store->cfs_[kMeta], slice(kGenesisKey), slice(ByteView(genesis_hash.b)));
    if (!s.ok()) return fail("cannot record genesis in " + dir + ": " + s.ToString());
  } else {
    return fail("cannot read genesis from " + dir + ": " + s.ToString());
  }

  s = raw->Get(rocksdb::ReadOptions(), store->cfs_[kMeta], slice(kTipKey), &stored);
  if (s.ok()) {
    if (stored.size() != 8)
      return fail(dir + " holds a corrupt tip height (" + std::to_string(stored.size()) +
                  " bytes)");
    store->tip_ = Reader(view(stored)).u64();
  } else if (!s.IsNotFound()) {
    return fail("cannot read tip from " + dir + ": " + s.ToString());
  }
  return store;
}

Status BlockStore::append(const Block& block, const CommitCertificate& cert,
                          const std::vector<StateWrite>& writes) {
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
  for (uint32_t i = 0; ok && i < block.txs.size(); ++i) {
    const Transaction& tx = block.txs[i];
    const crypto::Hash32 id = tx.id();
    Writer loc;
    loc.u64(h).u32(i);
    ok = check(batch.Put(cfs_[kTxIndex], slice(ByteView(id.b)), slice(loc.data())));
    if (auto r = named_range(tx.body); ok && r) {
      Writer last;
      last.u128v(r->last);
      ok = check(
          batch.Put(cfs_[kHistory], slice(history_key(r->family, r->first, h, i)), slice(last.data())));
    }
  }
  for (const auto& w : writes) {
    if (!ok) break;
    ok = w.value ? check(batch.Put(cfs_[kState], slice(w.key), slice(*w.value)))
                 : check(batch.Delete(cfs_[kState], slice(w.key)));
  }
  ok = ok && check(batch.Put(cfs_[kMeta], slice(kTipKey), slice(height_key(h))));
  if (!ok) return fail("cannot build the write batch for height " + std::to_string(h));

  rocksdb::WriteOptions wo;
  wo.sync = true;
  s = db_->Write(wo, &batch);
  if (!s.ok()) return fail("cannot write height " + std::to_string(h) + ": " + s.ToString());
  tip_ = h;
  return Status::success();
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

std::vector<HistoryEntry> BlockStore::history(const Resource& r, size_t limit) const {
  std::vector<HistoryEntry> out;
  if (limit == 0 || r.first > r.last) return out;
  const uint8_t fam = static_cast<uint8_t>(r.family);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cfs_[kHistory]));
  const uint8_t start[1] = {fam};
  // Keys are ordered by (family, first): every candidate has first <= r.last,
  // so the scan runs from the family's start to the first key past r.last.
  for (it->Seek(slice(ByteView(start))); it->Valid(); it->Next()) {
    ByteView key = view(it->key());
    ByteView val = view(it->value());
    if (key.empty() || key[0] != fam) break;
    if (key.size() != kHistoryKeyBytes || val.size() != 16) continue;
    Reader kr(key);
    kr.u8();
    HistoryEntry e;
    e.range.family = r.family;
    e.range.first = kr.u128v();
    if (e.range.first > r.last) break;
    e.height = kr.u64();
    e.index = kr.u32();
    e.range.last = Reader(val).u128v();
    if (e.range.last >= r.first) out.push_back(e);
  }
  std::sort(out.begin(), out.end(), [](const HistoryEntry& a, const HistoryEntry& b) {
    return std::tie(a.height, a.index) < std::tie(b.height, b.index);
  });
  // The most recent `limit`, still in ledger order.
  if (out.size() > limit) out.erase(out.begin(), out.end() - static_cast<std::ptrdiff_t>(limit));
  return out;
}

Status BlockStore::for_each_state(
    const std::function<Status(ByteView key, ByteView value)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cfs_[kState]));
  for (it->SeekToFirst(); it->Valid(); it->Next())
    if (Status s = fn(view(it->key()), view(it->value())); !s) return s;
  if (!it->status().ok()) return fail("cannot read the state: " + it->status().ToString());
  return Status::success();
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
  for (uint64_t h = 1; h <= tip_; ++h) {
    const std::string at = "height " + std::to_string(h);
    auto b = block(h);
    if (!b) return fail("block at " + at + " is corrupt: " + b.error());
    const BlockHeader& hdr = b->header;
    if (hdr.height != h)
      return fail("block at " + at + " says it is height " + std::to_string(hdr.height));
    if (hdr.prev_hash != prev_hash)
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

Status BlockStore::tamper_block_for_testing(uint64_t height) {
  const Bytes key = height_key(height);
  std::string bytes;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cfs_[kBlocks], slice(key), &bytes);
  if (s.IsNotFound()) return fail("no block at height " + std::to_string(height));
  if (!s.ok()) return fail("cannot read block " + std::to_string(height) + ": " + s.ToString());
  std::optional<size_t> off;
  try {
    off = state_root_offset(view(bytes));
  } catch (const DecodeError&) {
  }
  if (!off) return fail("block at height " + std::to_string(height) + " is too short to tamper with");
  bytes[*off] = static_cast<char>(bytes[*off] ^ 0x01);
  rocksdb::WriteOptions wo;
  wo.sync = true;
  s = db_->Put(wo, cfs_[kBlocks], slice(key), rocksdb::Slice(bytes));
  if (!s.ok()) return fail("cannot write block " + std::to_string(height) + ": " + s.ToString());
  return Status::success();
}

}  // namespace nl::ledger
