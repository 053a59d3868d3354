// The block store's readers for others: the state tree's records (live, or
// pinned at a snapshot for a reader on another thread) and the committed
// state entries a chain's registry reads instead of holding them.
#include <rocksdb/db.h>
#include <rocksdb/iterator.h>

#include <algorithm>
#include <stdexcept>

#include "ledger/block_store.h"
#include "ledger/block_store_columns.h"

namespace nl::ledger {

using namespace store_columns;

namespace {

// One value of a column family; nullopt when absent.
Result<std::optional<Bytes>> read_value(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* cf, const rocksdb::ReadOptions& ro,
                                        ByteView key) {
  rocksdb::PinnableSlice value;
  rocksdb::Status s = db.Get(ro, cf, slice(key), &value);
  if (s.IsNotFound()) return std::optional<Bytes>();
  if (!s.ok()) return fail(s.ToString());
  return std::optional<Bytes>(Bytes(value.data(), value.data() + value.size()));
}

// The state tree's records as they are at each read: it does not keep the
// database open, so a tree (or a prepared block's) that outlives its store
// only fails to read.
class LiveTreeReader final : public state_tree::NodeReader {
 public:
  LiveTreeReader(std::weak_ptr<rocksdb::DB> db, rocksdb::ColumnFamilyHandle* cf) : db_(std::move(db)), cf_(cf) {}
  Result<std::optional<Bytes>> read(ByteView key) const override {
    auto db = db_.lock();
    if (!db) return fail("the ledger is closed");
    return read_value(*db, cf_, rocksdb::ReadOptions(), key);
  }

 private:
  std::weak_ptr<rocksdb::DB> db_;
  rocksdb::ColumnFamilyHandle* cf_;
};

// The records as they were when the reader was made, however the store
// changes later: it keeps the database open while it lives.
class PinnedTreeReader final : public state_tree::NodeReader {
 public:
  PinnedTreeReader(std::shared_ptr<rocksdb::DB> db, rocksdb::ColumnFamilyHandle* cf)
      : db_(std::move(db)), cf_(cf), snap_(db_->GetSnapshot()) {}
  ~PinnedTreeReader() override { db_->ReleaseSnapshot(snap_); }
  Result<std::optional<Bytes>> read(ByteView key) const override {
    rocksdb::ReadOptions ro;
    ro.snapshot = snap_;
    return read_value(*db_, cf_, ro, key);
  }

 private:
  std::shared_ptr<rocksdb::DB> db_;
  rocksdb::ColumnFamilyHandle* cf_;
  const rocksdb::Snapshot* snap_;
};

class StateEntryCursor final : public StateCursor {
 public:
  StateEntryCursor(std::shared_ptr<rocksdb::DB> db, rocksdb::ColumnFamilyHandle* cf, ByteView lower, ByteView upper)
      : db_(std::move(db)), lower_(lower.begin(), lower.end()), upper_(upper.begin(), upper.end()),
        lower_slice_(slice(lower_)), upper_slice_(slice(upper_)) {
    rocksdb::ReadOptions ro;
    ro.iterate_lower_bound = &lower_slice_;
    ro.iterate_upper_bound = &upper_slice_;
    it_.reset(db_->NewIterator(ro, cf));
  }
  void seek(ByteView key) override {
    const bool below = std::lexicographical_compare(key.begin(), key.end(), lower_.begin(), lower_.end());
    it_->Seek(slice(below ? ByteView(lower_) : key));
    checked();
  }
  void seek_for_prev(ByteView key) override {
    // RocksDB wants a target below the upper bound.
    const bool above = !std::lexicographical_compare(key.begin(), key.end(), upper_.begin(), upper_.end());
    if (above)
      it_->SeekToLast();
    else
      it_->SeekForPrev(slice(key));
    checked();
  }
  bool valid() const override { return it_->Valid(); }
  void next() override {
    it_->Next();
    checked();
  }
  void prev() override {
    it_->Prev();
    checked();
  }
  ByteView key() const override { return view(it_->key()); }
  ByteView value() const override { return view(it_->value()); }

 private:
  void checked() const {
    if (!it_->Valid() && !it_->status().ok())
      throw std::runtime_error("cannot read the state (a scan): " + it_->status().ToString());
  }
  const std::shared_ptr<rocksdb::DB> db_;  // outlives the iterator
  const Bytes lower_, upper_;
  const rocksdb::Slice lower_slice_, upper_slice_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

// Reads as they are at each read; the store outlives the registry that
// reads through this (a chain holds both).
class StoreStateReader final : public StateReader {
 public:
  StoreStateReader(std::weak_ptr<rocksdb::DB> db, rocksdb::ColumnFamilyHandle* cf) : db_(std::move(db)), cf_(cf) {}
  std::optional<Bytes> get(ByteView key) const override {
    auto v = read_value(*open(), cf_, rocksdb::ReadOptions(), key);
    if (!v) throw std::runtime_error("cannot read the state (entry " + to_hex(key) + "): " + v.error());
    return std::move(*v);
  }
  std::unique_ptr<StateCursor> cursor(ByteView lower, ByteView upper) const override {
    return std::make_unique<StateEntryCursor>(open(), cf_, lower, upper);
  }

 private:
  std::shared_ptr<rocksdb::DB> open() const {
    auto db = db_.lock();
    if (!db) throw std::runtime_error("cannot read the state: the ledger is closed");
    return db;
  }
  std::weak_ptr<rocksdb::DB> db_;
  rocksdb::ColumnFamilyHandle* cf_;
};

}  // namespace

std::shared_ptr<const state_tree::NodeReader> BlockStore::tree_reader() const {
  return std::make_shared<LiveTreeReader>(db_, cfs_[kTree]);
}

std::shared_ptr<const state_tree::NodeReader> BlockStore::pinned_tree_reader() const {
  return std::make_shared<PinnedTreeReader>(db_, cfs_[kTree]);
}

std::shared_ptr<const StateReader> BlockStore::state_reader() const {
  return std::make_shared<StoreStateReader>(db_, cfs_[kState]);
}

}  // namespace nl::ledger
