// The segment table held in memory and held on disk (committed segments
// read from a store, pending changes over them, deletions as tombstones)
// answer the same as a plain sorted map, through random puts, erases,
// undos and settles: the segment at a point (the store read backwards past
// tombstones), at a first number, and scans from any point.
#include <doctest/doctest.h>

#include <map>
#include <random>
#include <set>

#include "ledger/segment_table.h"
#include "ledger/state_keys.h"
#include "tests/support/map_state_reader.h"

using namespace nl;
using namespace nl::ledger;

namespace {

using Place = std::pair<Family, u128>;

struct Tables {
  std::map<Place, Segment> want;
  std::map<Bytes, Bytes> store;  // what the on-disk table has "committed"
  SegmentTable memory, disk;
  Tables() { disk.read_from(std::make_shared<nl::test::MapStateReader>(store)); }

  static Bytes encoded(const Segment& s) {
    Writer w;
    s.encode(w);
    return w.take();
  }
  // The store takes the reference's state, as a block's batch would.
  void settle() {
    store.clear();
    for (const auto& [p, s] : want) store[keys::segment(p.first, p.second)] = encoded(s);
    disk.settle();
    REQUIRE(disk.held() == 0);
  }
};

constexpr Family kFamilies[] = {Family::ipv4, Family::ipv6, Family::asn};

// Numbers 0..199 of each family, so that segments meet, and gaps and
// family edges come up often.
Segment random_segment(std::mt19937_64& rng, const std::map<Place, Segment>& want) {
  const Family f = kFamilies[rng() % 3];
  for (;;) {
    const u128 first = rng() % 200, last = first + rng() % 6;
    // Segments never overlap: keep only ones clear of the others.
    bool clear = true;
    for (const auto& [p, s] : want)
      if (p.first == f && s.range.first <= last && first <= s.range.last) clear = false;
    if (clear) return Segment{Resource{f, first, last}, 1 + rng() % 4};
  }
}

std::optional<Segment> want_containing(const std::map<Place, Segment>& want, Family f, u128 point) {
  for (const auto& [p, s] : want)
    if (p.first == f && s.range.first <= point && point <= s.range.last) return s;
  return std::nullopt;
}

std::vector<Segment> scanned(const SegmentTable& t, Family f, u128 from, size_t limit) {
  std::vector<Segment> out;
  t.scan(f, from, [&](const Segment& s) {
    out.push_back(s);
    return out.size() < limit;
  });
  return out;
}

void check_same(Tables& t, std::mt19937_64& rng) {
  for (Family f : kFamilies) {
    std::vector<Segment> all;
    for (const auto& [p, s] : t.want)
      if (p.first == f) all.push_back(s);
    REQUIRE(scanned(t.memory, f, 0, SIZE_MAX) == all);
    REQUIRE(scanned(t.disk, f, 0, SIZE_MAX) == all);
  }
  for (int i = 0; i < 40; ++i) {
    const Family f = kFamilies[rng() % 3];
    const u128 point = rng() % 210;
    CAPTURE(point);
    const auto want = want_containing(t.want, f, point);
    REQUIRE(t.memory.containing(f, point) == want);
    REQUIRE(t.disk.containing(f, point) == want);
    auto at = t.want.find({f, point});
    const auto want_start = at == t.want.end() ? std::nullopt : std::optional<Segment>(at->second);
    REQUIRE(t.memory.starting_at(f, point) == want_start);
    REQUIRE(t.disk.starting_at(f, point) == want_start);
    // A scan starts at the segment holding `point`, or the next one.
    std::vector<Segment> from;
    for (const auto& [p, s] : t.want)
      if (p.first == f && s.range.last >= point && from.size() < 4) from.push_back(s);
    REQUIRE(scanned(t.memory, f, point, 4) == from);
    REQUIRE(scanned(t.disk, f, point, 4) == from);
  }
}

}  // namespace

TEST_CASE("segment table: on disk and in memory it answers as a sorted map") {
  for (uint64_t seed : {1, 2, 3}) {
    CAPTURE(seed);
    std::mt19937_64 rng(seed);
    Tables t;
    int put = 0, erased = 0, undone = 0, settled = 0;
    for (int step = 0; step < 3000; ++step) {
      const unsigned op = rng() % 100;
      if (op < 45 && t.want.size() < 150) {
        const Segment s = random_segment(rng, t.want);
        t.memory.put(s);
        t.disk.put(s);
        t.want[{s.range.family, s.range.first}] = s;
        ++put;
      } else if (op < 55 && !t.want.empty()) {
        // Overwrite: a segment keeps its first and changes its holding.
        auto it = std::next(t.want.begin(), static_cast<long>(rng() % t.want.size()));
        it->second.holding = 1 + rng() % 4;
        t.memory.put(it->second);
        t.disk.put(it->second);
      } else if (op < 85 && !t.want.empty()) {
        auto it = std::next(t.want.begin(), static_cast<long>(rng() % t.want.size()));
        t.memory.erase(it->first.first, it->first.second);
        t.disk.erase(it->first.first, it->first.second);
        t.want.erase(it);
        ++erased;
      } else if (op < 93) {
        // Undo: every segment back to the store's value.
        std::set<Bytes> keys;
        for (const auto& [p, s] : t.want) keys.insert(keys::segment(p.first, p.second));
        for (const auto& [k, v] : t.store) keys.insert(k);
        t.want.clear();
        for (const Bytes& k : keys) {
          auto s = t.store.find(k);
          std::optional<Bytes> v = s == t.store.end() ? std::nullopt : std::optional<Bytes>(s->second);
          t.memory.restore(k, v);
          t.disk.restore(k, v);
          if (v) {
            const auto seg = decode_stored<Segment>(*v, "segment");
            t.want[{seg.range.family, seg.range.first}] = seg;
          }
        }
        REQUIRE(t.disk.held() == 0);
        ++undone;
      } else {
        t.settle();
        ++settled;
      }
      if (step % 50 == 0) check_same(t, rng);
    }
    check_same(t, rng);
    CHECK(put > 500);
    CHECK(erased > 200);
    CHECK(undone > 50);
    CHECK(settled > 50);
    MESSAGE("segments at the end " << t.want.size() << ", held in memory on disk " << t.disk.held());
  }
}

TEST_CASE("segment table: a stored segment under another segment's key is refused at load") {
  const Segment s{*Resource::parse("10.0.0.0/24"), 7};
  Writer w;
  s.encode(w);
  SegmentTable t;
  CHECK(t.load(keys::segment(Family::ipv4, s.range.first), w.data()).ok());
  Status st = t.load(keys::segment(Family::ipv4, s.range.first + 1), w.data());
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().find("is stored under key") != std::string::npos);
  CHECK(t.containing(Family::ipv4, s.range.first + 5) == s);
}
