// What the synthetic registry's two halves share: a seeded generator whose
// output is the same on every platform (std's distributions are not), and
// the holdings the statistics files got, which the VRPs are placed in.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "ledger/interop/vrp.h"
#include "ledger/resource.h"

namespace nl::ledger::synthetic {

// SplitMix64: tiny, fast, and fully specified.
struct Rng {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t below(uint64_t n) { return n == 0 ? 0 : next() % n; }
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  bool chance(double p) { return unit() < p; }
};

inline uint64_t mix(uint64_t seed, uint64_t a, uint64_t b = 0) {
  Rng r{seed ^ (a * 0x100000001b3ULL) ^ (b << 17)};
  r.next();
  return r.next();
}

// An allocated or assigned IP record, kept for the VRPs.
struct IpHolding {
  Resource range;
  uint32_t org = 0;
  uint8_t registry = 0;  // index into kSyntheticCounts
};

// One registry's AS numbers: every record's first AS, and each
// organisation's own first AS (0 when it holds none).
struct RegistryAsns {
  std::vector<uint32_t> all;
  std::vector<uint32_t> of_org;
};

// Routinator's trust anchor name of each registry, in kSyntheticCounts order.
inline constexpr const char* kTrustAnchors[] = {"afrinic", "apnic", "arin", "lacnic", "ripe"};

std::vector<Vrp> synthetic_vrps(const std::vector<IpHolding>& holdings,
                            const std::vector<RegistryAsns>& asns, uint64_t target, uint64_t seed);

}  // namespace nl::ledger::synthetic
