#include "ledger/history_index.h"

#include <rocksdb/db.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>

#include <algorithm>
#include <array>
#include <memory>
#include <queue>
#include <set>

#include "ledger/block_store_columns.h"
#include "ledger/canonical.h"

namespace nl::ledger::history_index {

using store_columns::slice;
using store_columns::view;

namespace {

enum class Kind : uint8_t { exact = 0, under = 1, account = 2 };
constexpr uint8_t kAccountFamily = 0xAC;

constexpr size_t kListPrefixBytes = 1 + 1 + 1 + 16;
// under() lists exist at lengths 0, 4, 8, ...: fewer keys per transaction
// (9 for an IPv4 /30 instead of 32) for a few more lists per query.
constexpr int kStride = 4;
constexpr size_t kKeyBytes = kListPrefixBytes + 8;

u128 host_mask(int host_bits) { return host_bits >= 128 ? ~u128(0) : (u128(1) << host_bits) - 1; }

struct List {
  Kind kind;
  CidrBlock block;
  auto operator<=>(const List&) const = default;
};

// A list's key prefix, built in place: no allocation per list.
using ListKey = std::array<uint8_t, kListPrefixBytes>;

ListKey list_key(Family f, Kind kind, const CidrBlock& b) {
  ListKey k{};
  k[0] = static_cast<uint8_t>(f);
  k[1] = static_cast<uint8_t>(kind);
  k[2] = static_cast<uint8_t>(b.length);
  for (int i = 0; i < 16; ++i) k[3 + i] = static_cast<uint8_t>(b.first >> (8 * (15 - i)));
  return k;
}

Bytes list_prefix(Family f, const List& l) {
  const ListKey k = list_key(f, l.kind, l.block);
  return Bytes(k.begin(), k.end());
}

// Newest first: the height is stored inverted.
void put_height(Bytes& key, uint64_t height) {
  for (int shift = 56; shift >= 0; shift -= 8) key.push_back(static_cast<uint8_t>(~height >> shift));
}

uint64_t height_of(ByteView key) { return ~Reader(key.subspan(kListPrefixBytes)).u64(); }

// The indexes a posting's value holds, newest first; refuses a value that
// is not a strictly descending list of at least one.
Result<std::vector<uint32_t>> indexes_of(ByteView value) {
  if (value.empty() || value.size() % 4 != 0)
    return fail("history index holds a posting of " + std::to_string(value.size()) + " bytes");
  std::vector<uint32_t> out;
  out.reserve(value.size() / 4);
  Reader r(value);
  while (out.size() < value.size() / 4) {
    const uint32_t i = r.u32();
    if (!out.empty() && i >= out.back()) return fail("history index holds a posting out of order");
    out.push_back(i);
  }
  return out;
}

// The strict ancestors of b, shortest first.
std::vector<CidrBlock> ancestors(Family f, const CidrBlock& b) {
  const int bits = family_bits(f);
  std::vector<CidrBlock> out;
  for (int len = 0; len < b.length; ++len) out.push_back({b.first & ~host_mask(bits - len), len});
  return out;
}

}  // namespace

std::vector<CidrBlock> cidr_blocks(Family f, u128 first, u128 last) {
  std::vector<CidrBlock> out;
  if (first > last) return out;
  const int bits = family_bits(f);
  for (u128 cur = first;;) {
    int len = 0;
    // The largest aligned block at cur that ends at or before last.
    while (len < bits && ((cur & host_mask(bits - len)) != 0 || host_mask(bits - len) > last - cur)) ++len;
    out.push_back({cur, len});
    const u128 end = cur + host_mask(bits - len);
    if (end >= last) break;
    cur = end + 1;
  }
  return out;
}

namespace {

// Appends the lists a transaction naming `named` is posted to, each once.
void add_lists(const Resource& named, std::vector<ListKey>& out) {
  const size_t from = out.size();
  const int bits = family_bits(named.family);
  for (const CidrBlock& b : cidr_blocks(named.family, named.first, named.last)) {
    out.push_back(list_key(named.family, Kind::exact, b));
    for (int len = 0; len <= b.length; len += kStride)
      out.push_back(list_key(named.family, Kind::under, {b.first & ~host_mask(bits - len), len}));
  }
  // A range's blocks share ancestors.
  std::sort(out.begin() + long(from), out.end());
  out.erase(std::unique(out.begin() + long(from), out.end()), out.end());
}

ListKey account_key(const AccountId& a) {
  ListKey k{};
  k[0] = kAccountFamily;
  k[1] = static_cast<uint8_t>(Kind::account);
  std::copy_n(a.key.b.begin(), 16, k.begin() + 3);
  return k;
}

Bytes account_prefix(const AccountId& a) {
  const ListKey k = account_key(a);
  return Bytes(k.begin(), k.end());
}

}  // namespace

std::vector<Bytes> lists_for(const Resource& named) {
  std::vector<ListKey> lists;
  add_lists(named, lists);
  std::vector<Bytes> prefixes;
  prefixes.reserve(lists.size());
  for (const ListKey& l : lists) prefixes.emplace_back(l.begin(), l.end());
  return prefixes;
}

std::vector<Posting> postings_for_block(std::span<const Transaction> txs, uint64_t height) {
  // (list, index) for every transaction, grouped by list, newest first.
  std::vector<std::pair<ListKey, uint32_t>> entries;
  std::vector<ListKey> lists;
  for (uint32_t i = 0; i < txs.size(); ++i) {
    lists.clear();
    if (auto r = named_range(txs[i].body)) add_lists(*r, lists);
    if (auto a = key_changed_account(txs[i])) lists.push_back(account_key(*a));
    for (const ListKey& l : lists) entries.emplace_back(l, i);
  }
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : a.second > b.second;
  });
  std::vector<Posting> out;
  for (size_t i = 0, j = 0; i < entries.size(); i = j) {
    Writer value;
    for (j = i; j < entries.size() && entries[j].first == entries[i].first; ++j) value.u32(entries[j].second);
    Posting p{Bytes(entries[i].first.begin(), entries[i].first.end()), value.take()};
    put_height(p.key, height);
    out.push_back(std::move(p));
  }
  return out;
}

Status walk_key_changes(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* cf, const rocksdb::Snapshot* snapshot,
                        const AccountId& account, const std::function<void(TxLocation)>& visit) {
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(ro, cf));
  const Bytes prefix = account_prefix(account);
  std::vector<TxLocation> found;  // stored newest first
  for (it->Seek(slice(prefix)); it->Valid() && it->key().starts_with(slice(prefix)); it->Next()) {
    if (it->key().size() != kKeyBytes) return fail("history index holds a key of " + std::to_string(it->key().size()) + " bytes");
    auto indexes = indexes_of(view(it->value()));
    if (!indexes) return indexes.take_error();
    const uint64_t h = height_of(view(it->key()));
    for (uint32_t i : *indexes) found.push_back({h, i});
  }
  if (!it->status().ok()) return fail("cannot read the history index: " + it->status().ToString());
  for (auto i = found.rbegin(); i != found.rend(); ++i) visit(*i);
  return {};
}

namespace {

// The posting lists a query for r reads (history_index.h).
std::set<List> query_lists(const Resource& r) {
  const int bits = family_bits(r.family);
  std::set<List> lists;
  for (const CidrBlock& q : cidr_blocks(r.family, r.first, r.last)) {
    // Inside q: blocks at or below the next stride length are in under()
    // of q's descendants there; shorter ones in exact() of each block
    // between. At most 2^(kStride-1) + 2^(kStride-1) - 1 lists.
    const int stride_len = (q.length + kStride - 1) / kStride * kStride;
    for (int len = q.length; len <= stride_len; ++len) {
      const u128 step = host_mask(bits - len) + 1;  // 0 only at len 0, where there is one block
      for (u128 i = 0; i < (u128(1) << (len - q.length)); ++i)
        lists.insert({len == stride_len ? Kind::under : Kind::exact, {q.first + i * step, len}});
    }
    for (const CidrBlock& a : ancestors(r.family, q)) lists.insert({Kind::exact, a});
  }
  return lists;
}

}  // namespace

Status check_query(const Resource& r) {
  const size_t n = query_lists(r).size();
  if (n <= kMaxQueryLists) return {};
  return fail(r.to_string() + " cuts into " + std::to_string(cidr_blocks(r.family, r.first, r.last).size()) +
              " CIDR blocks, " + std::to_string(n) + " history lists to read; a query reads at most " +
              std::to_string(kMaxQueryLists) + ": ask for its parts");
}

Status walk(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* cf, const rocksdb::Snapshot* snapshot, const Resource& r,
            std::optional<TxLocation> before, const std::function<bool(TxLocation)>& visit, WalkStats* stats) {
  const std::set<List> lists = query_lists(r);
  if (lists.size() > kMaxQueryLists) return check_query(r);  // says why

  // A list's iterator, and the posting it stands on (`next` of its indexes
  // not yet on the heap).
  struct Cursor {
    Bytes prefix;
    std::unique_ptr<rocksdb::Iterator> it;
    bool loaded = false;
    uint64_t height = 0;
    std::vector<uint32_t> indexes;
    size_t next = 0;
  };
  std::vector<Cursor> cursors;
  cursors.reserve(lists.size());
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  struct Head {
    TxLocation at;
    size_t cursor;
    bool operator<(const Head& o) const { return at < o.at; }  // max-heap: newest on top
  };
  std::priority_queue<Head> heap;
  WalkStats local;
  WalkStats& st = stats ? *stats : local;
  // Puts the cursor's next entry on the heap, skipping `before` and newer.
  auto advance = [&](size_t i) -> Status {
    auto& c = cursors[i];
    for (;;) {
      for (; c.next < c.indexes.size(); ++c.next) {
        const TxLocation at{c.height, c.indexes[c.next]};
        if (before && at >= *before) continue;
        ++c.next;
        heap.push({at, i});
        return {};
      }
      if (c.loaded) c.it->Next();
      c.loaded = true;
      if (!c.it->Valid() || !c.it->key().starts_with(slice(c.prefix))) break;
      ++st.keys_read;
      const rocksdb::Slice k = c.it->key();
      if (k.size() != kKeyBytes) return fail("history index holds a key of " + std::to_string(k.size()) + " bytes");
      auto indexes = indexes_of(view(c.it->value()));
      if (!indexes) return indexes.take_error();
      st.entries_read += indexes->size();
      c.height = height_of(view(k));
      c.indexes = std::move(*indexes);
      c.next = 0;
    }
    if (!c.it->status().ok()) return fail("cannot read the history index: " + c.it->status().ToString());
    return {};
  };
  for (const List& l : lists) {
    Cursor c;
    c.prefix = list_prefix(r.family, l);
    c.it.reset(db.NewIterator(ro, cf));
    Bytes target = c.prefix;
    if (before) put_height(target, before->height);
    c.it->Seek(slice(target));
    cursors.push_back(std::move(c));
    ++st.lists;
    if (auto s = advance(cursors.size() - 1); !s) return s;
  }
  std::optional<TxLocation> last;
  while (!heap.empty()) {
    const Head h = heap.top();
    heap.pop();
    if (last != h.at) {
      last = h.at;
      if (!visit(h.at)) return {};
    }
    if (auto s = advance(h.cursor); !s) return s;
  }
  return {};
}

}  // namespace nl::ledger::history_index
