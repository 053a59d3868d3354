// GenesisRecords: the innermost genesis record containing a range, with the
// registry filter; registration dates of genesis holdings only; the
// holdings over a range, nested, equal to a walk of the genesis; and
// YYYYMMDD <-> unix seconds agree with yyyymmdd() both ways.
#include <doctest/doctest.h>

#include <functional>

#include "ledger/genesis_records.h"
#include "ledger/interop/rir_export.h"
#include "support/fixtures.h"

using namespace nl;
using namespace nl::ledger;
using namespace nl::test;

namespace {

GenesisHolding record(const std::string& range, const std::string& registry, const std::string& handle,
                      const std::string& date) {
  GenesisHolding h;
  h.range = Resource::parse(range).value();
  h.holder = seeded_account(2);
  h.meta.source_registry = registry;
  h.meta.source_handle = handle;
  h.registered = date;
  return h;
}

// IANA's /8 designation, and under it two records: one with exactly the
// designation's start, one further on with a child of its own.
GenesisHolding designation_41() {
  GenesisHolding designation = record("41.0.0.0/8", "iana", "", "");
  designation.children.push_back(record("41.0.0.0/16", "afrinic", "ORGA", "20080514"));
  GenesisHolding b = record("41.1.0.0/16", "afrinic", "ORGB", "20090101");
  b.children.push_back(record("41.1.4.0/24", "afrinic", "ORGC", "20100202"));
  designation.children.push_back(b);
  return designation;
}

Resource res(const std::string& r) { return Resource::parse(r).value(); }

// The genesis's holdings that overlap r, by a walk of the whole tree.
std::vector<GenesisHolding> walk_overlapping(const std::vector<GenesisHolding>& hs, const Resource& r) {
  std::vector<GenesisHolding> out;
  for (const auto& h : hs) {
    if (h.range.family != r.family || h.range.last < r.first || h.range.first > r.last) continue;
    GenesisHolding kept = h;
    kept.children = walk_overlapping(h.children, r);
    out.push_back(std::move(kept));
  }
  return out;
}

Holding holding(const std::string& range, const std::string& registry, uint64_t created_height) {
  Holding h;
  h.range = Resource::parse(range).value();
  h.meta.source_registry = registry;
  h.created_height = created_height;
  return h;
}

}  // namespace

TEST_CASE("genesis records: innermost record, registry filter, and genesis holdings only") {
  Genesis g;
  g.holdings.push_back(designation_41());
  g.holdings.push_back(record("AS36864", "afrinic", "ORGD", "20070101"));
  const GenesisRecords d(g);
  CHECK(d.size() == 5);

  auto handle_of = [&](const std::string& r, std::string_view registry = {}) -> std::string {
    const GenesisRecords::Record* rec = d.containing(Resource::parse(r).value(), registry);
    return rec ? std::string(rec->registry) + ":" + std::string(rec->handle) : "none";
  };
  CHECK(handle_of("41.0.0.1") == "afrinic:ORGA");
  CHECK(handle_of("41.0.0.0/16") == "afrinic:ORGA");
  CHECK(handle_of("41.0.0.0/15") == "iana:");   // straddles ORGA and ORGB
  CHECK(handle_of("41.0.0.0/8") == "iana:");    // ORGA starts there too, but is inside
  CHECK(handle_of("41.0.0.0/8", "afrinic") == "none");
  CHECK(handle_of("41.1.4.7") == "afrinic:ORGC");
  CHECK(handle_of("41.1.5.0/24") == "afrinic:ORGB");  // past ORGC: walks up to its parent
  CHECK(handle_of("41.200.0.0/16") == "iana:");
  CHECK(handle_of("41.200.0.0/16", "afrinic") == "none");
  CHECK(handle_of("41.1.4.7", "iana") == "iana:");
  CHECK(handle_of("40.0.0.1") == "none");
  CHECK(handle_of("AS36864") == "afrinic:ORGD");
  CHECK(handle_of("AS36865") == "none");

  // Only a holding the genesis created takes its record's date; the
  // designation, which has none, takes none.
  CHECK(d.registered(holding("41.0.0.0/16", "afrinic", 0)) == unix_time_of_yyyymmdd("20080514"));
  CHECK(d.registered(holding("41.0.0.0/17", "afrinic", 0)) == unix_time_of_yyyymmdd("20080514"));  // split remainder
  CHECK(!d.registered(holding("41.0.128.0/17", "afrinic", 5)));
  CHECK(!d.registered(holding("41.0.0.0/8", "iana", 0)));
  CHECK(d.registered(holding("41.1.4.0/24", "afrinic", 0)) == unix_time_of_yyyymmdd("20100202"));
}

TEST_CASE("genesis records: the holdings over a range, nested as in the genesis") {
  Genesis g;
  GenesisHolding designation = designation_41();
  GenesisHolding& b = designation.children.at(1);
  b.children.push_back(record("41.1.9.0-41.1.9.2", "afrinic", "ORGE", "20100303"));
  b.children.back().holder = seeded_account(5);
  b.children.back().kind = HoldingKind::assignment;
  designation.children.push_back(record("41.7.0.0/16", "afrinic", "ORGF", ""));
  g.holdings.push_back(designation);
  g.holdings.push_back(record("42.0.0.0/8", "afrinic", "ORGG", "20110101"));
  g.holdings.push_back(record("AS36864", "afrinic", "ORGD", "20070101"));
  const GenesisRecords d(g);

  auto ranges_of = [](const std::vector<GenesisHolding>& hs) {
    std::string out;
    std::function<void(const GenesisHolding&)> put = [&](const GenesisHolding& h) {
      out += h.range.to_string() + "(";
      for (const auto& c : h.children) put(c);
      out += ")";
    };
    for (const auto& h : hs) put(h);
    return out;
  };
  CHECK(ranges_of(d.holdings_overlapping(res("41.1.4.7"))) == "41.0.0.0/8(41.1.0.0/16(41.1.4.0/24()))");
  CHECK(ranges_of(d.holdings_overlapping(res("41.0.255.0-41.1.0.255"))) ==
        "41.0.0.0/8(41.0.0.0/16()41.1.0.0/16())");
  CHECK(ranges_of(d.holdings_overlapping(res("41.255.0.0-42.0.0.0"))) == "41.0.0.0/8()42.0.0.0/8()");
  CHECK(ranges_of(d.holdings_overlapping(res("AS36864-AS36870"))) == "AS36864()");
  CHECK(d.holdings_overlapping(res("40.0.0.0/8")).empty());
  CHECK(d.holdings_overlapping(res("AS1")).empty());
  // Holder, kind, source and date come back; against a walk of the genesis
  // for every range with ends on a grid over the space.
  const auto e = d.holdings_overlapping(res("41.1.9.1"));
  REQUIRE(e.size() == 1);
  const GenesisHolding& orge = e[0].children.at(0).children.at(0);
  CHECK(orge.holder == seeded_account(5));
  CHECK(orge.kind == HoldingKind::assignment);
  CHECK(orge.meta.source_handle == "ORGE");
  CHECK(orge.registered == "20100303");
  std::vector<u128> ends;
  for (const char* a : {"40.255.255.255", "41.0.0.0", "41.0.0.1", "41.0.255.255", "41.1.0.0", "41.1.4.0",
                        "41.1.4.255", "41.1.5.0", "41.1.9.1", "41.1.9.3", "41.7.0.0", "41.200.0.0", "42.0.0.0",
                        "42.0.0.9", "43.0.0.0"})
    ends.push_back(res(a).first);
  for (size_t i = 0; i < ends.size(); ++i)
    for (size_t j = i; j < ends.size(); ++j) {
      const Resource r{Family::ipv4, ends[i], ends[j]};
      CHECK_MESSAGE(d.holdings_overlapping(r) == walk_overlapping(g.holdings, r), r.to_string());
    }
}

TEST_CASE("genesis records: YYYYMMDD and unix seconds") {
  CHECK(unix_time_of_yyyymmdd("19700101") == 0u);
  CHECK(unix_time_of_yyyymmdd("20240101") == 1704067200u);
  CHECK(unix_time_of_yyyymmdd("20000229") == 951782400u);
  for (uint64_t t : {0ull, 951782400ull, 1704067200ull, 4102444800ull, 1234567890ull - 1234567890ull % 86400})
    CHECK(unix_time_of_yyyymmdd(yyyymmdd(t)) == t);
  for (auto bad : {"", "2024010", "202401011", "2024-1-01", "20241301", "20240100", "19691231", "abcdefgh"})
    CHECK_MESSAGE(!unix_time_of_yyyymmdd(bad), bad);
}
