// The synthetic VRPs: each inside one allocated or assigned IP record, as a
// holder would sign them. The first covers the record's first prefix with
// the holder's own AS; the others are more-specifics (a /24, or an IPv6
// prefix down to /48) for the holder's or a customer's AS.
#include <algorithm>
#include <set>

#include "ledger/history_index.h"
#include "ledger/interop/synthetic_registry.h"
#include "ledger/interop/synthetic_shapes.h"

namespace nl::ledger::synthetic {

namespace {

uint32_t some_asn(Rng& rng, const RegistryAsns& a) { return a.all.empty() ? 64512 : a.all[rng.below(a.all.size())]; }

}  // namespace

std::vector<Vrp> synthetic_vrps(const std::vector<IpHolding>& holdings, const std::vector<RegistryAsns>& asns,
                                uint64_t target, uint64_t seed) {
  std::vector<Vrp> out;
  if (holdings.empty()) return out;
  out.reserve(target + target / 8);
  Rng rng{mix(seed, 0x7672)};
  const double per = double(target) / double(holdings.size());
  const uint64_t whole = uint64_t(per);
  const double frac = per - double(whole);
  for (const IpHolding& h : holdings) {
    const RegistryAsns& a = asns[h.registry];
    const uint64_t k = whole + (rng.chance(frac) ? 1 : 0);
    if (k == 0) continue;
    const Family f = h.range.family;
    const int bits = family_bits(f), floor_len = f == Family::ipv4 ? 24 : 48;
    const auto first = history_index::cidr_blocks(f, h.range.first, h.range.last).front();
    const uint32_t own = h.org < a.of_org.size() && a.of_org[h.org] ? a.of_org[h.org] : some_asn(rng, a);
    std::set<Vrp> mine;
    auto add = [&](u128 start, int len, uint32_t asn, int max_len) {
      const u128 host = len == bits ? 0 : (u128(1) << (bits - len)) - 1;
      Vrp v{asn, Resource{f, start, start | host}, uint8_t(std::max(len, max_len)), kTrustAnchors[h.registry]};
      // Inside a /24 a second VRP can only differ by its AS.
      if (!mine.insert(v).second && !mine.insert(v = Vrp{some_asn(rng, a), v.prefix, v.max_length, v.ta}).second)
        return;
      out.push_back(std::move(v));
    };
    add(first.first, first.length, own,
        rng.chance(0.5) ? first.length : std::min(floor_len, first.length + int(rng.below(9))));
    for (uint64_t j = 1; j < k; ++j) {
      // A more-specific inside the first block, for the holder or a customer.
      const int len = f == Family::ipv4 ? 24 : std::min(48, first.length + 1 + int(rng.below(16)));
      const int spare_bits = std::max(0, len - first.length);
      const u128 offset = spare_bits == 0 ? 0 : u128(rng.below(uint64_t(1) << std::min(spare_bits, 20)));
      const u128 start = first.first + (offset << (bits - len));
      add(start, std::max(len, first.length), rng.chance(0.7) ? own : some_asn(rng, a), len);
    }
  }
  return out;
}

}  // namespace nl::ledger::synthetic
