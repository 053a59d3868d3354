#include "ledger/interop/slurm.h"

namespace nl::ledger {

namespace {

int family_slot(Family f) { return f == Family::ipv6 ? 1 : 0; }

// The prefix of length `len` that covers `p` (len <= p's length).
Resource covering(const Resource& p, int len) {
  const int bits = family_bits(p.family);
  const u128 host = len == bits ? 0 : (len == 0 ? family_max(p.family) : ((u128(1) << (bits - len)) - 1));
  return Resource{p.family, p.first & ~host, (p.first & ~host) | host};
}

std::string count(size_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

SlurmFilterIndex::SlurmFilterIndex(const std::vector<SlurmPrefixFilter>& filters) {
  for (const auto& f : filters) {
    if (!f.prefix) {
      if (f.asn) asns_.insert(*f.asn);
      continue;
    }
    Origins& o = prefixes_[*f.prefix];
    if (f.asn)
      o.asns.insert(*f.asn);
    else
      o.any = true;
    lengths_[family_slot(f.prefix->family)].insert(*f.prefix->prefix_length());
  }
}

bool SlurmFilterIndex::removes(const Resource& prefix, uint32_t asn) const {
  if (asns_.count(asn)) return true;
  if (prefix.family == Family::asn) return false;
  const auto len = prefix.prefix_length();
  if (!len) return false;
  for (int l : lengths_[family_slot(prefix.family)]) {
    if (l > *len) break;  // sets are ascending; longer filters cannot cover it
    auto it = prefixes_.find(covering(prefix, l));
    if (it != prefixes_.end() && (it->second.any || it->second.asns.count(asn))) return true;
  }
  return false;
}

std::string describe(const Slurm& s) {
  std::string out = count(s.prefix_filters.size(), "prefix filter", "prefix filters") + ", " +
                    count(s.prefix_assertions.size(), "prefix assertion", "prefix assertions");
  if (size_t b = s.bgpsec_filters + s.bgpsec_assertions; b > 0)
    out += " (" + count(b, "BGPsec entry", "BGPsec entries") + " ignored: this cache serves no router keys)";
  return out;
}

}  // namespace nl::ledger
