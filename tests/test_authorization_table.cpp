// The authorization table held in memory and held on disk (committed
// entries read from a store, pending changes over them) answer the same
// as a plain sorted map, through random inserts, erases, undos and
// settles: lookups, pages at every cursor and the overlap lookup.
#include <doctest/doctest.h>

#include <map>
#include <random>
#include <set>

#include "ledger/authorization_table.h"
#include "ledger/state_keys.h"
#include "tests/support/map_state_reader.h"

using namespace nl;
using namespace nl::ledger;

namespace {

struct Tables {
  std::map<Bytes, Authorization> want;
  std::map<Bytes, Bytes> store;  // what the on-disk table has "committed"
  AuthorizationTable memory, disk;
  Tables() { disk.read_from(std::make_shared<nl::test::MapStateReader>(store)); }

  static Bytes encoded(const Authorization& a) {
    Writer w;
    a.encode(w);
    return w.take();
  }
  // The store takes the reference's state, as a block's batch would.
  void settle() {
    store.clear();
    for (const auto& [k, a] : want) store[k] = encoded(a);
    disk.settle();
    REQUIRE(disk.held() == 0);
  }
};

// Prefixes inside 10.0.0.0/16 and 2001:db8::/40, of lengths that nest.
Resource random_prefix(std::mt19937_64& rng) {
  const bool v6 = rng() % 3 == 0;
  const Family f = v6 ? Family::ipv6 : Family::ipv4;
  const int bits = v6 ? 128 : 32, base_len = v6 ? 40 : 16;
  const u128 base = v6 ? (u128(0x20010db8) << 96) : u128(0x0a000000);
  const int len = base_len + static_cast<int>(rng() % 9);
  const u128 host = (u128(1) << (bits - len)) - 1;
  const u128 first = (base | (u128(rng() % 4096) << (bits - base_len - 12))) & ~host;
  return Resource{f, first, first | host};
}

Authorization random_authorization(std::mt19937_64& rng) {
  Authorization a;
  a.prefix = random_prefix(rng);
  a.max_length = static_cast<uint8_t>(*a.prefix.prefix_length() + rng() % 3);
  a.asn = 64500 + static_cast<uint32_t>(rng() % 3);
  a.issuer.key.b[0] = static_cast<uint8_t>(rng() % 5);
  a.created_height = rng() % 100;
  return a;
}

void check_same(Tables& t, std::mt19937_64& rng) {
  REQUIRE(t.memory.size() == t.want.size());
  REQUIRE(t.disk.size() == t.want.size());
  std::vector<AuthorizationTable::Keyed> all(t.want.begin(), t.want.end());
  REQUIRE(t.memory.page(std::nullopt, SIZE_MAX) == all);
  REQUIRE(t.disk.page(std::nullopt, SIZE_MAX) == all);
  // Pages after a present key, an absent one, one longer than any key (a
  // client's cursor), and of a few sizes.
  for (int i = 0; i < 8 && !all.empty(); ++i) {
    Bytes after = rng() % 2 ? all[rng() % all.size()].first : keys::authorization(random_prefix(rng), 33, 1);
    if (i == 0) after.insert(after.end(), {0, 1, 2});
    const size_t limit = 1 + rng() % 5;
    std::vector<AuthorizationTable::Keyed> want;
    for (auto it = t.want.upper_bound(after); it != t.want.end() && want.size() < limit; ++it) want.push_back(*it);
    CAPTURE(to_hex(after));
    REQUIRE(t.memory.page(after, limit) == want);
    REQUIRE(t.disk.page(after, limit) == want);
  }
  // Overlap: against a walk of every entry; then in pages of 3.
  for (int i = 0; i < 12; ++i) {
    Resource r = random_prefix(rng);
    if (rng() % 2) r.last = r.first + (r.last - r.first) / 3;  // not a prefix
    std::vector<Bytes> want;
    for (const auto& [k, a] : t.want)
      if (a.prefix.family == r.family && a.prefix.first <= r.last && r.first <= a.prefix.last) want.push_back(k);
    CAPTURE(r.to_string());
    REQUIRE(t.memory.keys_overlapping(r, std::nullopt, SIZE_MAX) == want);
    REQUIRE(t.disk.keys_overlapping(r, std::nullopt, SIZE_MAX) == want);
    std::vector<Bytes> paged;
    std::optional<Bytes> after;
    for (;;) {
      auto page = t.disk.keys_overlapping(r, after, 3);
      REQUIRE(page == t.memory.keys_overlapping(r, after, 3));
      paged.insert(paged.end(), page.begin(), page.end());
      if (page.size() < 3) break;
      after = page.back();
    }
    REQUIRE(paged == want);
  }
}

}  // namespace

TEST_CASE("authorization table: on disk and in memory it answers as a sorted map") {
  for (uint64_t seed : {1, 2, 3}) {
    CAPTURE(seed);
    std::mt19937_64 rng(seed);
    Tables t;
    int inserted = 0, erased = 0, undone = 0, settled = 0;
    for (int step = 0; step < 3000; ++step) {
      const unsigned op = rng() % 100;
      if (op < 55) {
        Authorization a = random_authorization(rng);
        Bytes k = keys::authorization(a.prefix, a.max_length, a.asn);
        REQUIRE(t.memory.contains(k) == (t.want.count(k) > 0));
        REQUIRE(t.disk.contains(k) == (t.want.count(k) > 0));
        if (t.want.count(k)) continue;
        t.memory.insert(k, a);
        t.disk.insert(k, a);
        t.want[k] = a;
        ++inserted;
      } else if (op < 85 && !t.want.empty()) {
        auto it = std::next(t.want.begin(), static_cast<long>(rng() % t.want.size()));
        REQUIRE(t.disk.find(it->first) == std::optional<Authorization>(it->second));
        t.memory.erase(it->first);
        t.disk.erase(it->first);
        t.want.erase(it);
        ++erased;
      } else if (op < 93) {
        // Undo: every entry back to the store's value.
        std::set<Bytes> keys;
        for (const auto& [k, a] : t.want) keys.insert(k);
        for (const auto& [k, v] : t.store) keys.insert(k);
        for (const Bytes& k : keys) {
          auto s = t.store.find(k);
          std::optional<Bytes> v = s == t.store.end() ? std::nullopt : std::optional<Bytes>(s->second);
          t.memory.restore(k, v);
          t.disk.restore(k, v);
          if (v)
            t.want[k] = *decode_all<Authorization>(*v, "a", [](Reader& r) { return Authorization::decode(r); });
          else
            t.want.erase(k);
        }
        REQUIRE(t.disk.held() == 0);
        ++undone;
      } else {
        t.settle();
        ++settled;
      }
      if (step % 100 == 0) check_same(t, rng);
    }
    check_same(t, rng);
    CHECK(inserted > 500);
    CHECK(erased > 200);
    CHECK(undone > 50);
    CHECK(settled > 50);
    MESSAGE("entries at the end " << t.want.size() << ", held in memory on disk " << t.disk.held());
  }
}

TEST_CASE("authorization table: a stored entry under another entry's key is refused at load") {
  Authorization a;
  a.prefix = *Resource::parse("10.0.0.0/24");
  a.max_length = 24;
  a.asn = 64500;
  Writer w;
  a.encode(w);
  AuthorizationTable t;
  CHECK(t.load(keys::authorization(a.prefix, a.max_length, a.asn), w.data()).ok());
  Status s = t.load(keys::authorization(a.prefix, 25, a.asn), w.data());
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().find("is stored under key") != std::string::npos);
  CHECK(t.size() == 1);
}
