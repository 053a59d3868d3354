// Number resources: an IPv4 or IPv6 address range or an AS number range,
// always an inclusive [first, last]. Ranges need not be CIDR-aligned.
#pragma once
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/basics/result.h"
#include "ledger/canonical.h"

namespace nl::ledger {

enum class Family : uint8_t { ipv4 = 1, ipv6 = 2, asn = 3 };

std::string_view family_name(Family f);
int family_bits(Family f);  // 32, 128, 32
u128 family_max(Family f);

struct Resource {
  Family family = Family::ipv4;
  u128 first = 0;
  u128 last = 0;

  auto operator<=>(const Resource&) const = default;

  // Accepts 10.0.0.0/8, 10.0.0.0-10.0.2.255, 10.0.0.1, 2001:db8::/32,
  // 2001:db8::1-2001:db8::ff, AS64496, AS64496-AS64511.
  static Result<Resource> parse(std::string_view text);
  // Prefix form when aligned, else a range; IPv6 in RFC 5952 form.
  std::string to_string() const;

  bool contains(const Resource& o) const {
    return family == o.family && first <= o.first && o.last <= last;
  }
  bool overlaps(const Resource& o) const {
    return family == o.family && first <= o.last && o.first <= last;
  }
  // The prefix length when this range is exactly one CIDR prefix.
  std::optional<int> prefix_length() const;
  u128 size_minus_one() const { return last - first; }

  void encode(Writer& w) const;
  static Resource decode(Reader& r);  // throws DecodeError
};

// Address text forms, exposed for importers and tests.
Result<u128> parse_ipv4(std::string_view text);
Result<u128> parse_ipv6(std::string_view text);
std::string format_ipv4(u128 v);
std::string format_ipv6(u128 v);  // RFC 5952
std::string format_u128(u128 v);  // decimal

}  // namespace nl::ledger
