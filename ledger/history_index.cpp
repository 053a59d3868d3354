#include "ledger/history_index.h"

#include <rocksdb/db.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>

#include <algorithm>
#include <memory>
#include <queue>
#include <set>

#include "ledger/canonical.h"

namespace nl::ledger::history_index {

namespace {

enum class Kind : uint8_t { exact = 0, under = 1, account = 2 };
constexpr uint8_t kAccountFamily = 0xAC;

constexpr size_t kListPrefixBytes = 1 + 1 + 1 + 16;
// under() lists exist at lengths 0, 4, 8, ...: fewer keys per transaction
// (9 for an IPv4 /30 instead of 32) for a few more lists per query.
constexpr int kStride = 4;
constexpr size_t kKeyBytes = kListPrefixBytes + 8 + 4;

u128 host_mask(int host_bits) { return host_bits >= 128 ? ~u128(0) : (u128(1) << host_bits) - 1; }

struct List {
  Kind kind;
  CidrBlock block;
  auto operator<=>(const List&) const = default;
};

Bytes list_prefix(Family f, const List& l) {
  Writer w;
  w.u8(static_cast<uint8_t>(f)).u8(static_cast<uint8_t>(l.kind)).u8(static_cast<uint8_t>(l.block.length));
  w.u128v(l.block.first);
  return w.take();
}

// Newest first: the position is stored inverted.
void put_position(Bytes& key, TxLocation at) {
  Writer w;
  w.u64(~at.height).u32(~at.index);
  Bytes suffix = w.take();
  key.insert(key.end(), suffix.begin(), suffix.end());
}

TxLocation position_of(ByteView key) {
  Reader r(key.subspan(kListPrefixBytes));
  TxLocation at;
  at.height = ~r.u64();
  at.index = ~r.u32();
  return at;
}

// The strict ancestors of b, shortest first.
std::vector<CidrBlock> ancestors(Family f, const CidrBlock& b) {
  const int bits = family_bits(f);
  std::vector<CidrBlock> out;
  for (int len = 0; len < b.length; ++len) out.push_back({b.first & ~host_mask(bits - len), len});
  return out;
}

rocksdb::Slice slice(ByteView b) { return rocksdb::Slice(reinterpret_cast<const char*>(b.data()), b.size()); }

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

std::vector<Bytes> keys_for(const Resource& named, TxLocation at) {
  const int bits = family_bits(named.family);
  std::set<List> lists;
  for (const CidrBlock& b : cidr_blocks(named.family, named.first, named.last)) {
    lists.insert({Kind::exact, b});
    for (int len = 0; len <= b.length; len += kStride)
      lists.insert({Kind::under, {b.first & ~host_mask(bits - len), len}});
  }
  std::vector<Bytes> keys;
  keys.reserve(lists.size());
  for (const List& l : lists) {
    Bytes k = list_prefix(named.family, l);
    put_position(k, at);
    keys.push_back(std::move(k));
  }
  return keys;
}

namespace {
Bytes account_prefix(const AccountId& a) {
  Writer w;
  w.u8(kAccountFamily).u8(static_cast<uint8_t>(Kind::account)).u8(0);
  w.raw(ByteView(a.key.b.data(), 16));
  return w.take();
}
}  // namespace

std::vector<Bytes> keys_for_tx(const Transaction& tx, TxLocation at) {
  std::vector<Bytes> keys;
  if (auto r = named_range(tx.body)) keys = keys_for(*r, at);
  if (auto a = key_changed_account(tx)) {
    Bytes k = account_prefix(*a);
    put_position(k, at);
    keys.push_back(std::move(k));
  }
  return keys;
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
    found.push_back(position_of(ByteView(reinterpret_cast<const uint8_t*>(it->key().data()), it->key().size())));
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

  struct Cursor {
    Bytes prefix;
    std::unique_ptr<rocksdb::Iterator> it;
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
  // Positions the cursor's next entry on the heap, skipping `before` itself.
  auto advance = [&](size_t i) -> Status {
    auto& c = cursors[i];
    for (; c.it->Valid(); c.it->Next()) {
      const rocksdb::Slice k = c.it->key();
      if (!k.starts_with(slice(c.prefix))) break;
      ++st.keys_read;
      if (k.size() != kKeyBytes) return fail("history index holds a key of " + std::to_string(k.size()) + " bytes");
      const TxLocation at = position_of(ByteView(reinterpret_cast<const uint8_t*>(k.data()), k.size()));
      if (before && at >= *before) continue;
      heap.push({at, i});
      return {};
    }
    if (!c.it->status().ok()) return fail("cannot read the history index: " + c.it->status().ToString());
    return {};
  };
  for (const List& l : lists) {
    Cursor c{list_prefix(r.family, l), std::unique_ptr<rocksdb::Iterator>(db.NewIterator(ro, cf))};
    Bytes target = c.prefix;
    if (before) put_position(target, *before);
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
    cursors[h.cursor].it->Next();
    if (auto s = advance(h.cursor); !s) return s;
  }
  return {};
}

}  // namespace nl::ledger::history_index
