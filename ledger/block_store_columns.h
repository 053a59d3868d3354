// Inside the block store only: its column families, and the conversions
// between our byte views and RocksDB's slices.
#pragma once
#include <rocksdb/slice.h>

#include <string>
#include <string_view>

#include "crypto/basics/bytes.h"

namespace nl::ledger::store_columns {

// Indices into BlockStore::cfs_; the order matches kCfNames.
enum Cf : size_t { kDefault, kBlocks, kCerts, kTxIndex, kState, kHistory, kMeta, kTree, kCfCount };
inline constexpr const char* kCfNames[kCfCount] = {"default", "blocks", "certs",   "txindex",
                                                   "state",   "history", "meta", "tree"};

inline rocksdb::Slice slice(ByteView b) { return rocksdb::Slice(reinterpret_cast<const char*>(b.data()), b.size()); }
inline rocksdb::Slice slice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }
inline ByteView view(const rocksdb::Slice& s) { return ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }
inline ByteView view(const std::string& s) { return as_bytes(s); }

}  // namespace nl::ledger::store_columns
