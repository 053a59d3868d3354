#include "ledger/interop/rir_export.h"

#include <algorithm>
#include <cstdio>
#include <tuple>
#include <vector>

#include "ledger/genesis_records.h"
#include "ledger/interop/rir_report.h"
#include "ledger/interop/rir_stats.h"

namespace nl::ledger {

std::string yyyymmdd(uint64_t unix_seconds) {
  // H. Hinnant's civil-from-days.
  int64_t z = static_cast<int64_t>(unix_seconds / 86400) + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04lld%02u%02u", static_cast<long long>(y), m, d);
  return buf;
}

namespace {

// The largest aligned prefixes that make up r, in order.
std::vector<Resource> prefixes_of(const Resource& r) {
  std::vector<Resource> out;
  const int bits = family_bits(r.family);
  auto host_mask = [](int k) { return k == 0 ? u128(0) : k == 128 ? ~u128(0) : (u128(1) << k) - 1; };
  u128 first = r.first;
  for (;;) {
    // Grow the block while it stays aligned and inside r.
    int k = 0;
    while (k < bits && (first & host_mask(k + 1)) == 0 && r.last - first >= host_mask(k + 1)) ++k;
    const u128 last = first + host_mask(k);
    out.push_back({r.family, first, last});
    if (last >= r.last) return out;
    first = last + 1;
  }
}

int family_order(Family f) { return f == Family::asn ? 0 : f == Family::ipv4 ? 1 : 2; }

}  // namespace

RirExport export_rir(const Registry& reg, const GenesisRecords& from_genesis, const std::string& registry,
                     const std::string& serial, const std::function<std::string(uint64_t height)>& date_of_height) {
  // A split keeps the space's registration: a piece of a genesis record
  // with the same handle keeps its date. A holding from genesis keeps its
  // date whatever later set-metadata did; anything else dates from the
  // block that created it.
  auto date_of = [&](const Holding& h) -> std::string {
    const GenesisRecords::Record* gr = from_genesis.containing(h.range, registry);
    if (h.created_height == 0) return gr ? std::string(gr->date) : std::string();
    if (gr && gr->handle == h.meta.source_handle) return std::string(gr->date);
    return date_of_height(h.created_height);
  };

  std::vector<RirRecord> recs;
  reg.for_each_holding([&](const Holding& h) {
    if (h.meta.source_registry != registry) return true;
    RirRecord r;
    r.registry = registry;
    r.cc = h.meta.country;
    r.status = h.kind == HoldingKind::allocation ? RirStatus::allocated : RirStatus::assigned;
    r.opaque_id = h.meta.source_handle;
    r.date = date_of(h);
    if (h.range.family == Family::ipv6 && !h.range.prefix_length()) {
      for (const Resource& p : prefixes_of(h.range)) {
        r.range = p;
        recs.push_back(r);
      }
    } else {
      r.range = h.range;
      recs.push_back(std::move(r));
    }
    return true;
  });
  std::sort(recs.begin(), recs.end(), [](const RirRecord& a, const RirRecord& b) {
    if (a.range.family != b.range.family) return family_order(a.range.family) < family_order(b.range.family);
    // Records nested in another (overlaps the import reported) come after it.
    if (a.range.first != b.range.first) return a.range.first < b.range.first;
    if (a.range.last != b.range.last) return a.range.last > b.range.last;
    return std::tie(a.opaque_id, a.date, a.cc) < std::tie(b.opaque_id, b.date, b.cc);
  });

  TypeCounts counts;
  std::string start = "";
  for (const auto& r : recs) {
    counts.add(r.range.family);
    if (!r.date.empty() && (start.empty() || r.date < start)) start = r.date;
  }
  RirExport out;
  out.records = recs.size();
  std::string& t = out.text;
  t = "2.3|" + registry + "|" + serial + "|" + std::to_string(recs.size()) + "|" +
      (start.empty() ? std::string("00000000") : start) + "|" + serial + "|+0000\n";
  for (Family f : {Family::asn, Family::ipv4, Family::ipv6})
    t += registry + "|*|" + std::string(family_name(f)) + "|*|" + std::to_string(counts.get(f)) + "|summary\n";
  for (const auto& r : recs) t += format_rir_record(r) + "\n";
  return out;
}

RirExport export_rir(const Chain& chain, const std::string& registry) {
  auto date_of = [&chain](uint64_t height) -> std::string {
    auto b = chain.store().block(height);
    return b ? yyyymmdd(b->header.time) : std::string();
  };
  return export_rir(chain.registry(), chain.genesis_records(), registry, yyyymmdd(chain.tip_header().time), date_of);
}

}  // namespace nl::ledger
