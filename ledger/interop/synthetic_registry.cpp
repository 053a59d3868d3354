#include "ledger/interop/synthetic_registry.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "ledger/interop/iana_registry.h"
#include "ledger/interop/rir_stats.h"
#include "ledger/interop/synthetic_shapes.h"
#include "ledger/interop/vrp.h"

namespace nl::ledger {

using synthetic::IpHolding;
using synthetic::RegistryAsns;
using synthetic::Rng;

namespace {

constexpr size_t kRegistries = std::size(kSyntheticCounts);
constexpr const char* kCountries[kRegistries][6] = {
    {"ZA", "NG", "EG", "KE", "MA", "GH"}, {"CN", "AU", "JP", "IN", "ID", "KR"}, {"US", "CA", "PR", "JM", "BS", "BB"},
    {"BR", "AR", "MX", "CL", "CO", "PE"}, {"DE", "GB", "NL", "RU", "FR", "IT"},
};
constexpr char kIdLetter[kRegistries] = {'F', 'A', 'N', 'L', 'R'};

template <size_t N>
size_t pick(Rng& rng, const double (&weights)[N]) {
  double total = 0;
  for (double w : weights) total += w;
  double x = rng.unit() * total;
  for (size_t i = 0; i < N; ++i) {
    if (x < weights[i]) return i;
    x -= weights[i];
  }
  return N - 1;
}

// IPv4 address counts and their weights: mostly powers of two, some not.
constexpr uint64_t kV4Sizes[] = {256, 512, 768, 1024, 1280, 1536, 2048, 3072, 4096, 5120, 8192, 16384, 32768, 65536, 131072};
constexpr double kV4Weights[] = {40, 8, 1.5, 20, 1, 1, 8, 1, 7, 0.5, 5, 3, 1.5, 2, 0.5};
constexpr uint64_t kLegacySizes[] = {256, 8192, 65536, 131072, 262144};
constexpr double kLegacyWeights[] = {20, 10, 55, 10, 5};
// IPv6 prefix lengths: allocations to /32, assignments to /48.
constexpr int kV6Lengths[] = {28, 29, 30, 31, 32, 36, 40, 44, 48};
constexpr double kV6Weights[] = {3, 12, 2, 2, 55, 2, 3, 3, 18};

bool is_pow2(uint64_t v) { return v && !(v & (v - 1)); }

std::string date_between(Rng& rng, int from_year, int to_year) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d", from_year + int(rng.below(uint64_t(to_year - from_year + 1))),
                1 + int(rng.below(12)), 1 + int(rng.below(28)));
  return buf;
}

// Address space handed out in order: a cursor over a list of blocks.
struct Pool {
  std::vector<Resource> blocks;
  size_t at = 0;
  u128 cursor = 0;

  u128 capacity() const {
    u128 c = 0;
    for (const auto& b : blocks) c += b.last - b.first + 1;
    return c;
  }
  // The next `size` addresses aligned to `align`, after skipping `gap`; or
  // none when the pool is used up.
  std::optional<Resource> take(Family f, u128 size, u128 align, u128 gap) {
    while (at < blocks.size()) {
      const Resource& b = blocks[at];
      if (cursor < b.first) cursor = b.first;
      const u128 start = (cursor + gap + align - 1) / align * align;
      if (start >= b.first && start <= b.last && b.last - start >= size - 1) {
        const Resource r{f, start, start + size - 1};
        if (r.last == b.last) ++at;  // used up; start + size could wrap at the family's end
        else cursor = start + size;
        return r;
      }
      ++at;
      gap = 0;
    }
    return std::nullopt;
  }
};

struct Registry {
  size_t index;
  const SyntheticCounts& counts;
  Rng rng;
  uint32_t orgs;
  std::vector<RirRecord> records;
  uint64_t holdings = 0;
  std::string earliest = "99999999";

  RirRecord make(const Resource& range, RirStatus status, uint32_t org, std::string date) {
    RirRecord r;
    r.registry = counts.registry;
    r.range = range;
    r.status = status;
    if (status == RirStatus::allocated || status == RirStatus::assigned) {
      r.cc = kCountries[index][synthetic::mix(index, org) % 6];
      char id[16];
      std::snprintf(id, sizeof id, "%c%08X", kIdLetter[index], uint32_t(org * 0x9E3779B1u + 0x5bd1e995u));
      r.opaque_id = id;
      r.date = std::move(date);
      ++holdings;
    } else {
      r.cc = "";
      r.date = status == RirStatus::reserved ? std::move(date) : "";
    }
    if (!r.date.empty()) earliest = std::min(earliest, r.date);
    return r;
  }
  // Organisations share records as in the real files: a few hold many.
  uint32_t org() { return static_cast<uint32_t>(double(orgs) * std::pow(rng.unit(), 2.2)); }
  void spare(const Resource& range) {
    records.push_back(make(range, rng.chance(0.6) ? RirStatus::available : RirStatus::reserved, 0,
                           date_between(rng, 2000, 2024)));
  }
};

uint64_t scaled(uint64_t n, double scale) { return static_cast<uint64_t>(std::llround(double(n) * scale)); }

Status ipv4_records(Registry& reg, double scale, Pool& regular, Pool& legacy, std::vector<IpHolding>& out) {
  const uint64_t n = scaled(reg.counts.ipv4, scale);
  // Legacy records are big (mostly /16s): at most what fills half the
  // registry's legacy /8s.
  double legacy_mean = 0, legacy_w = 0;
  for (size_t i = 0; i < std::size(kLegacySizes); ++i)
    legacy_mean += double(kLegacySizes[i]) * kLegacyWeights[i], legacy_w += kLegacyWeights[i];
  const uint64_t legacy_room = uint64_t(0.5 * double(legacy.capacity()) / (legacy_mean / legacy_w));
  const uint64_t n_legacy = std::min(scaled(n, reg.counts.legacy_share), legacy_room);
  // Halve the sizes until the records, with what aligning them wastes
  // (about half again), fill at most 80% of the registry's /8s; gaps
  // spread them over the rest.
  const double room = 0.8 * double(regular.capacity());
  int shift = 0;
  auto need = [&](int sh) {
    double mean = 0, wsum = 0;
    for (size_t i = 0; i < std::size(kV4Sizes); ++i) {
      mean += double(std::max<uint64_t>(kV4Sizes[i] >> sh, 256)) * kV4Weights[i];
      wsum += kV4Weights[i];
    }
    return 1.5 * double(n - n_legacy) * mean / wsum;
  };
  while (need(shift) > room && shift < 8) ++shift;
  const double gap_mean = std::max(0.0, (room - need(shift)) / double(n + 1));
  for (uint64_t i = 0; i < n; ++i) {
    const bool old = i < n_legacy;
    Pool& pool = old ? legacy : regular;
    uint64_t size = old ? kLegacySizes[pick(reg.rng, kLegacyWeights)] : kV4Sizes[pick(reg.rng, kV4Weights)] >> shift;
    size = std::max<uint64_t>(size, 256) / 256 * 256;
    const u128 align = is_pow2(size) ? size : 256;
    const u128 gap = old ? 0 : reg.rng.below(uint64_t(2 * gap_mean / 256) + 1) * 256;
    if (!old && reg.rng.chance(0.035))
      if (auto s = pool.take(Family::ipv4, size, align, gap)) reg.spare(*s);
    auto range = pool.take(Family::ipv4, size, align, gap);
    if (!range)
      return fail(std::string(reg.counts.registry) + ": IANA's IPv4 designations are full at this --scale");
    const uint32_t org = reg.org();
    const auto status = old || reg.rng.chance(0.3) ? RirStatus::assigned : RirStatus::allocated;
    reg.records.push_back(reg.make(*range, status, org, old ? date_between(reg.rng, 1984, 1993)
                                                            : date_between(reg.rng, 1995, 2024)));
    out.push_back({*range, org, uint8_t(reg.index)});
  }
  return {};
}

Status ipv6_records(Registry& reg, double scale, Pool& pool, std::vector<IpHolding>& out) {
  const uint64_t n = scaled(reg.counts.ipv6, scale);
  for (uint64_t i = 0; i < n; ++i) {
    const int len = kV6Lengths[pick(reg.rng, kV6Weights)];
    const u128 size = u128(1) << (128 - len);
    // The real files list much unused IPv6 space as available or reserved.
    while (reg.rng.chance(0.55))
      if (auto s = pool.take(Family::ipv6, size, size, 0)) reg.spare(*s);
    auto range = pool.take(Family::ipv6, size, size, reg.rng.below(4) * size);
    if (!range) return fail(std::string(reg.counts.registry) + ": IANA's IPv6 designations are full at this --scale");
    const uint32_t org = reg.org();
    const auto status = (len <= 32) != reg.rng.chance(0.05) ? RirStatus::allocated : RirStatus::assigned;
    reg.records.push_back(reg.make(*range, status, org, date_between(reg.rng, 1999, 2024)));
    out.push_back({*range, org, uint8_t(reg.index)});
  }
  return {};
}

// AS numbers: blocks of 1,024 dealt round the registries, 16-bit ones first.
// AS 23456 (AS_TRANS) and 64496 up to 131071 are never given out.
Status asn_records(Registry& reg, double scale, RegistryAsns& asns) {
  const uint64_t n = scaled(reg.counts.asn, scale);
  Pool small, big;
  for (uint64_t b = 0; b * 1024 + 1 <= 64495; ++b) {
    if (b % kRegistries != reg.index) continue;
    const u128 first = b * 1024 + 1, last = std::min<u128>(b * 1024 + 1024, 64495);
    if (first <= 23456 && 23456 <= last) {
      small.blocks.push_back({Family::asn, first, 23455});
      small.blocks.push_back({Family::asn, 23457, last});
    } else {
      small.blocks.push_back({Family::asn, first, last});
    }
  }
  const u128 cap16 = small.capacity();
  for (uint64_t b = 0; b < (n / 1024 + 2) * 4 * kRegistries; ++b)
    if (b % kRegistries == reg.index) big.blocks.push_back({Family::asn, 131072 + b * 1024, 131072 + b * 1024 + 1023});
  const uint64_t n16 = std::min<uint64_t>(n * 2 / 5, uint64_t(cap16 * 4 / 5 / 2));
  asns.of_org.assign(reg.orgs + 1, 0);
  for (uint64_t i = 0; i < n; ++i) {
    Pool& pool = i < n16 ? small : big;
    const u128 count = reg.rng.chance(0.95) ? 1 : 2 + reg.rng.below(9);
    if (reg.rng.chance(0.1))
      if (auto s = pool.take(Family::asn, 1, 1, 0)) reg.spare(*s);
    auto range = pool.take(Family::asn, count, 1, reg.rng.below(3));
    if (!range) range = big.take(Family::asn, count, 1, 0);
    if (!range) return fail(std::string(reg.counts.registry) + ": out of AS numbers at this --scale");
    const uint32_t org = reg.org();
    const auto status = std::string_view(reg.counts.registry) == "arin" ? RirStatus::assigned : RirStatus::allocated;
    reg.records.push_back(reg.make(*range, status, org, date_between(reg.rng, 1995, 2024)));
    asns.all.push_back(uint32_t(range->first));
    if (asns.of_org[org] == 0) asns.of_org[org] = uint32_t(range->first);
  }
  return {};
}

Status write_stats(const Registry& reg, const std::string& path, const std::string& date) {
  std::vector<const RirRecord*> order;
  uint64_t per_type[4] = {};
  for (const auto& r : reg.records) {
    order.push_back(&r);
    ++per_type[int(r.range.family)];
  }
  auto type_rank = [](Family f) { return f == Family::asn ? 0 : f == Family::ipv4 ? 1 : 2; };
  std::sort(order.begin(), order.end(), [&](const RirRecord* a, const RirRecord* b) {
    if (a->range.family != b->range.family) return type_rank(a->range.family) < type_rank(b->range.family);
    return a->range.first < b->range.first;
  });
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return fail(path + ": cannot create");
  const std::string rir = reg.counts.registry;
  out << "# Synthetic RIR statistics made by numledger's gen_registry_data: the shape of\n"
         "# a real delegated-extended file, none of its content.\n";
  out << "2.3|" << rir << "|" << date << "|" << order.size() << "|" << reg.earliest << "|" << date << "|+0000\n";
  for (Family f : {Family::asn, Family::ipv4, Family::ipv6})
    out << rir << "|*|" << family_name(f) << "|*|" << per_type[int(f)] << "|summary\n";
  for (const RirRecord* r : order) out << format_rir_record(*r) << "\n";
  out.flush();
  if (!out) return fail(path + ": write failed (disk full?)");
  return {};
}

// Unix seconds of 00:00 UTC on YYYYMMDD (days from the civil calendar).
uint64_t unix_midnight(const std::string& date) {
  int y = std::stoi(date.substr(0, 4));
  const unsigned m = unsigned(std::stoi(date.substr(4, 2))), d = unsigned(std::stoi(date.substr(6, 2)));
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = unsigned(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return uint64_t(int64_t(era) * 146097 + int64_t(doe) - 719468) * 86400;
}

Pool pool_of(const std::vector<IanaDesignation>& rows, const std::string& rir, bool legacy) {
  Pool p;
  for (const auto& d : rows)
    if (d.registry == rir && (d.status == "LEGACY") == legacy) p.blocks.push_back(d.range);
  std::sort(p.blocks.begin(), p.blocks.end());
  return p;
}

}  // namespace

Result<SyntheticResult> generate_registry_data(const SyntheticOptions& o, const std::string& out_dir,
                                               const std::function<void(const std::string&)>& progress) {
  if (!(o.scale > 0 && o.scale <= kMaxSyntheticScale))
    return fail("--scale must be above 0 and at most " + std::to_string(int(kMaxSyntheticScale)));
  if (o.date.size() != 8 || !std::all_of(o.date.begin(), o.date.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return fail("date '" + o.date + "' is not YYYYMMDD");
  auto v4 = read_iana_csv(o.iana_ipv4, Family::ipv4);
  if (!v4) return v4.take_error();
  auto v6 = read_iana_csv(o.iana_ipv6, Family::ipv6);
  if (!v6) return v6.take_error();
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return fail(out_dir + ": cannot create: " + ec.message());

  SyntheticResult res;
  std::vector<IpHolding> ips;
  std::vector<RegistryAsns> asns(kRegistries);
  for (size_t i = 0; i < kRegistries; ++i) {
    const SyntheticCounts& c = kSyntheticCounts[i];
    const uint64_t total = scaled(c.ipv4 + c.ipv6 + c.asn, o.scale);
    Registry reg{i, c, Rng{synthetic::mix(o.seed, i + 1)}, uint32_t(std::max<uint64_t>(1, total / 3)), {}, 0, "99999999"};
    Pool regular = pool_of(v4->rows, c.registry, false), legacy = pool_of(v4->rows, c.registry, true);
    Pool space6 = pool_of(v6->rows, c.registry, false);
    if (auto st = asn_records(reg, o.scale, asns[i]); !st) return st.take_error();
    if (auto st = ipv4_records(reg, o.scale, regular, legacy, ips); !st) return st.take_error();
    if (auto st = ipv6_records(reg, o.scale, space6, ips); !st) return st.take_error();
    SyntheticFile f{c.registry, out_dir + "/delegated-" + std::string(c.registry) + "-extended-" + o.date,
                    reg.records.size(), reg.holdings};
    if (auto st = write_stats(reg, f.path, o.date); !st) return st.take_error();
    if (progress)
      progress(f.path + ": " + std::to_string(f.record_lines) + " records, " + std::to_string(f.holdings) +
               " allocated or assigned");
    res.files.push_back(std::move(f));
  }

  auto vrps = synthetic::synthetic_vrps(ips, asns, scaled(kSyntheticVrps, o.scale), o.seed);
  res.vrp_path = out_dir + "/vrps-" + o.date + ".json";
  res.vrps = vrps.size();
  std::ofstream out(res.vrp_path, std::ios::binary | std::ios::trunc);
  if (!out) return fail(res.vrp_path + ": cannot create");
  out << format_vrps_json(vrps, unix_midnight(o.date));
  out.flush();
  if (!out) return fail(res.vrp_path + ": write failed (disk full?)");
  if (progress) progress(res.vrp_path + ": " + std::to_string(res.vrps) + " VRPs");
  return res;
}

}  // namespace nl::ledger
