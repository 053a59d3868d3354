// Full-size registry data where no public file is at hand: the five RIRs'
// delegated-extended statistics files and a Routinator VRP file over them,
// with today's record counts and mix, deterministic for a seed, and placed
// inside IANA's designations (the CSVs in ../shared/data) so that
// `import rir` finds every record where IANA says it belongs.
//
// What the files hold, at scale 1 (whitepaper/results.md, "Registry scale"):
// - allocated and assigned records per registry and type as in
//   kSyntheticCounts: about 500,000 in all;
// - available and reserved records besides them, as the real files have;
// - IPv4 counts that are not powers of two, IPv6 prefixes from /28 to /48,
//   AS number ranges as well as single AS numbers;
// - opaque-ids shared by many records (a few organisations hold over a
//   thousand, as in the real APNIC file), legacy space with old dates;
// - about 800,000 VRPs, each inside one allocated or assigned record.
// Nothing here is real: the generator only reproduces the shape.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "crypto/basics/result.h"

namespace nl::ledger {

// Allocated plus assigned records at scale 1. AFRINIC and LACNIC are the
// counts of their 2024 files in ../shared/data; the other three are
// round figures of the same era's files.
struct SyntheticCounts {
  const char* registry;
  uint64_t ipv4, ipv6, asn;
  double legacy_share;  // of the IPv4 records, in the registry's LEGACY /8s
};
inline constexpr SyntheticCounts kSyntheticCounts[] = {
    {"afrinic", 4'852, 1'360, 2'431, 0.01},   {"apnic", 58'000, 30'000, 12'000, 0.02},
    {"arin", 85'000, 40'000, 30'000, 0.12},    {"lacnic", 19'285, 12'597, 13'234, 0.0},
    {"ripencc", 110'000, 45'000, 38'000, 0.03},
};
inline constexpr uint64_t kSyntheticVrps = 800'000;
// --scale is refused outside this range: above 4 the IPv4 space of the
// smaller registries runs out.
inline constexpr double kMaxSyntheticScale = 4.0;

struct SyntheticOptions {
  double scale = 1.0;
  uint64_t seed = 1;
  std::string iana_ipv4, iana_ipv6;  // IANA's CSVs
  std::string date = "20241205";     // the files' end date and the VRPs' time, YYYYMMDD
};

struct SyntheticFile {
  std::string registry, path;
  uint64_t record_lines = 0, holdings = 0;  // holdings: allocated + assigned
};

struct SyntheticResult {
  std::vector<SyntheticFile> files;
  std::string vrp_path;
  uint64_t vrps = 0;
};

// Writes delegated-<rir>-extended-<date> for the five RIRs and
// vrps-<date>.json into out_dir. `progress` gets one line per file.
Result<SyntheticResult> generate_registry_data(const SyntheticOptions& o, const std::string& out_dir,
                                               const std::function<void(const std::string&)>& progress);

}  // namespace nl::ledger
