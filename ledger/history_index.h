// The history index: which committed transactions named a range that
// overlaps a resource, newest first, read without touching entries that do
// not match (issue 13, item 8).
//
// A named range is cut into CIDR blocks (an AS range too, over 32 bits).
// Blocks nest or are disjoint, so a range R overlaps a block Q of a query
// exactly when one of R's blocks lies inside Q, or one of R's blocks is a
// strict ancestor of Q. The index keeps two kinds of posting lists, each
// ordered newest first:
//   exact(A)  every transaction with block A itself
//   under(A)  every transaction with a block inside A, for A of length
//             0, 4, 8, ... (a multiple of the stride 4) only
// A transaction is posted exact under each of its blocks and under under
// each of their ancestors at stride lengths (8 lists for an IPv4 /24, 14
// for an IPv6 /48). A query for r reads, for each block Q of r of length
// L and the next stride length L' >= L: under(D) for Q's descendants D of
// length L', exact(E) for Q's descendants E of lengths L..L'-1, and
// exact(A) for Q's strict ancestors; merged newest first, each entry once.
//
// One key per list and block, so a block's transactions in the same list
// (a registry's delegations under one /8) share it:
//   key:   u8 family || u8 kind (0 exact, 1 under) || u8 length || u128 first
//          || u64 (2^64-1 - height)
//   value: u32 index of each of the block's transactions in the list,
//          strictly descending (newest first), at least one
// Key changes (rotate-key, set-recovery, recover, cancel-recovery) are
// posted by account instead, for custody chains: u8 0xAC || u8 2 || u8 0
// || the account key's first 16 bytes || the same height, and the same value.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "crypto/basics/bytes.h"
#include "crypto/basics/result.h"
#include "ledger/resource.h"
#include "ledger/transaction.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
class Snapshot;
}  // namespace rocksdb

namespace nl::ledger {

struct TxLocation {
  uint64_t height = 0;
  uint32_t index = 0;
  auto operator<=>(const TxLocation&) const = default;
};

namespace history_index {

// The format this code writes; the store rebuilds an index of another
// (4 was a key per list and transaction, with an empty value).
inline constexpr uint8_t kFormat = 5;

struct CidrBlock {
  u128 first = 0;
  int length = 0;  // prefix length in the family's bits
  auto operator<=>(const CidrBlock&) const = default;
};

// The fewest CIDR blocks that cover [first, last] exactly, in address order.
std::vector<CidrBlock> cidr_blocks(Family f, u128 first, u128 last);

// The lists a transaction naming `named` is posted to, as key prefixes.
std::vector<Bytes> lists_for(const Resource& named);

// One key and value of the index.
struct Posting {
  Bytes key;
  Bytes value;
};
// The postings of the block at `height` with these transactions, in key order.
std::vector<Posting> postings_for_block(std::span<const Transaction> txs, uint64_t height);

// A query opens one iterator per list: a range that cuts into many blocks
// (the worst IPv6 range: 1,889 lists) is refused; any prefix, and any
// IPv4 range, stays below (a prefix: at most 15 + 128; IPv4 at most 449).
inline constexpr size_t kMaxQueryLists = 1024;
// Refuses, with the reason, a query over kMaxQueryLists.
Status check_query(const Resource& r);

// What a walk read, for tests and benchmarks.
struct WalkStats {
  size_t lists = 0;      // posting lists opened
  size_t keys_read = 0;     // postings (keys) the iterators stepped over
  size_t entries_read = 0;  // transactions in them, duplicates included
};

// Calls `visit` for each transaction whose named range overlaps r, newest
// first, strictly older than `before` when given, each once; stops when
// `visit` returns false. Reads through `snapshot` (may be null).
Status walk(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* cf, const rocksdb::Snapshot* snapshot,
            const Resource& r, std::optional<TxLocation> before, const std::function<bool(TxLocation)>& visit,
            WalkStats* stats = nullptr);

// Calls `visit` for each key change of `account` (key_changed_account),
// oldest first. A 16-byte prefix names the account, so a visitor checks
// the transaction's account.
Status walk_key_changes(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* cf, const rocksdb::Snapshot* snapshot,
                        const AccountId& account, const std::function<void(TxLocation)>& visit);

}  // namespace history_index
}  // namespace nl::ledger
