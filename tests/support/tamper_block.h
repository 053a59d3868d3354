// Test-only corruption of a closed ledger: flips one bit of the stored
// header's state root at a height, so that the block still decodes but no
// longer matches its certificate, as a disk fault would. It opens the
// RocksDB directory itself (column family "blocks", key: the height as
// u64; ledger/block_store.h), so the block store has no hook for it.
#pragma once
#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <memory>
#include <string>
#include <vector>

#include "crypto/basics/bytes.h"
#include "crypto/basics/result.h"
#include "ledger/block.h"
#include "ledger/canonical.h"

namespace nl::test {

inline Status tamper_block(const std::string& ledger_dir, uint64_t height) {
  std::vector<std::string> names;
  rocksdb::Status s = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), ledger_dir, &names);
  if (!s.ok()) return fail("cannot list the column families of " + ledger_dir + ": " + s.ToString());
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& n : names) descriptors.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  s = rocksdb::DB::Open(rocksdb::DBOptions(), ledger_dir, descriptors, &handles, &raw);
  if (!s.ok()) return fail("cannot open " + ledger_dir + ": " + s.ToString());
  std::unique_ptr<rocksdb::DB> db(raw);
  struct Handles {
    rocksdb::DB& db;
    std::vector<rocksdb::ColumnFamilyHandle*>& h;
    ~Handles() {
      for (auto* x : h) db.DestroyColumnFamilyHandle(x);
    }
  } closer{*db, handles};
  rocksdb::ColumnFamilyHandle* blocks = nullptr;
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == "blocks") blocks = handles[i];
  if (!blocks) return fail(ledger_dir + " has no blocks column family");

  ledger::Writer w;
  w.u64(height);
  const Bytes key = w.take();
  const rocksdb::Slice key_slice(reinterpret_cast<const char*>(key.data()), key.size());
  std::string bytes;
  s = db->Get(rocksdb::ReadOptions(), blocks, key_slice, &bytes);
  if (s.IsNotFound()) return fail("no block at height " + std::to_string(height));
  if (!s.ok()) return fail("cannot read block " + std::to_string(height) + ": " + s.ToString());
  auto block = ledger::Block::decode(as_bytes(bytes));
  if (!block) return fail("block at height " + std::to_string(height) + " does not decode: " + block.error());
  block->header.state_root.b[0] ^= 0x01;
  const Bytes changed = block->encode();
  rocksdb::WriteOptions wo;
  wo.sync = true;
  s = db->Put(wo, blocks, key_slice, rocksdb::Slice(reinterpret_cast<const char*>(changed.data()), changed.size()));
  if (!s.ok()) return fail("cannot write block " + std::to_string(height) + ": " + s.ToString());
  return Status::success();
}

}  // namespace nl::test
