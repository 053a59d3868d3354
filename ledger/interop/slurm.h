// Local exceptions to the validated ROA payloads, as RFC 8416 (SLURM)
// defines them: prefix filters take VRPs out, prefix assertions add VRPs,
// filters first (§3.3, §3.4), so a filter never removes an assertion.
// BGPsec filters and assertions are read and checked, then ignored: a
// numledger cache serves no router keys. One file only, so the overlap
// rules between several files (§4.2) do not arise. The reader is
// slurm_parse.h; the RTR cache and `numledger export vrps` both apply a
// file through apply_slurm below.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ledger/resource.h"

namespace nl::ledger {

// Matches every VRP whose prefix lies inside `prefix` (equal or more
// specific) and whose origin is `asn`; an absent member matches anything.
struct SlurmPrefixFilter {
  std::optional<Resource> prefix;
  std::optional<uint32_t> asn;
  std::string comment;
  bool operator==(const SlurmPrefixFilter&) const = default;
};

// A VRP added as it stands; max_length is the prefix length when the file
// gives none.
struct SlurmPrefixAssertion {
  Resource prefix;
  uint8_t max_length = 0;
  uint32_t asn = 0;
  std::string comment;
  bool operator==(const SlurmPrefixAssertion&) const = default;
};

struct Slurm {
  std::vector<SlurmPrefixFilter> prefix_filters;
  std::vector<SlurmPrefixAssertion> prefix_assertions;
  size_t bgpsec_filters = 0, bgpsec_assertions = 0;  // checked and counted only
  bool operator==(const Slurm&) const = default;
};

// The prefix filters indexed by prefix, so that checking one VRP costs a
// lookup per distinct filter prefix length, not one per filter.
class SlurmFilterIndex {
 public:
  explicit SlurmFilterIndex(const std::vector<SlurmPrefixFilter>& filters);
  bool removes(const Resource& prefix, uint32_t asn) const;

 private:
  struct Origins {
    bool any = false;           // a filter with this prefix and no asn
    std::set<uint32_t> asns;    // filters with this prefix and an asn
  };
  std::set<uint32_t> asns_;                       // filters with an asn and no prefix
  std::map<Resource, Origins> prefixes_;          // filters with a prefix
  std::set<int> lengths_[2];                      // their prefix lengths, IPv4 and IPv6
};

// Filters `vrps` (anything with .prefix and .asn), then appends each
// assertion as make(assertion).
template <class V, class Make>
std::vector<V> apply_slurm(const Slurm& slurm, std::vector<V> vrps, Make make) {
  if (!slurm.prefix_filters.empty()) {
    const SlurmFilterIndex index(slurm.prefix_filters);
    std::erase_if(vrps, [&](const V& v) { return index.removes(v.prefix, v.asn); });
  }
  vrps.reserve(vrps.size() + slurm.prefix_assertions.size());
  for (const auto& a : slurm.prefix_assertions) vrps.push_back(make(a));
  return vrps;
}

// One line for logs: "2 prefix filters, 1 prefix assertion (1 BGPsec entry ignored)".
std::string describe(const Slurm& slurm);

}  // namespace nl::ledger
