// Validated ROA payloads in the formats relying parties already use:
// Routinator's `json` and `csv` outputs. The ledger's authorizations are
// exported in them and a genesis can be seeded from them.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/result.h"
#include "ledger/resource.h"

namespace nl::ledger {

struct Vrp {
  uint32_t asn = 0;
  Resource prefix;  // a CIDR prefix
  uint8_t max_length = 0;
  std::string ta;   // trust anchor name
  auto operator<=>(const Vrp&) const = default;
};

// Routinator `json`: {"metadata": {...}, "roas": [{"asn": "AS1", "prefix":
// "p/len", "maxLength": N, "ta": "name"}, ...]}. Errors name the entry.
Result<std::vector<Vrp>> parse_vrps_json(std::string_view text);
// Routinator `csv`: header "ASN,IP Prefix,Max Length,Trust Anchor", then rows.
// Errors name the line.
Result<std::vector<Vrp>> parse_vrps_csv(std::string_view text);
// Picks json or csv from the first non-blank character.
Result<std::vector<Vrp>> parse_vrps(std::string_view text);

// A trust anchor name both formats can carry verbatim: 1-255 printable
// ASCII characters without space, comma, quote or backslash.
Status check_trust_anchor(std::string_view ta);

// Routinator's order, as its real output shows (tests check it against
// ../shared/data/vrps-afrinic-20240101.json): IPv4 before IPv6, then by the
// prefix's last address, more specific first among prefixes ending at the
// same address, then maxLength, ASN and trust anchor, all ascending.
bool routinator_order(const Vrp& a, const Vrp& b);
void sort_vrps(std::vector<Vrp>& vrps);

// Byte-compatible with Routinator's outputs, emitted in routinator_order
// (duplicates kept); `generated` is unix seconds.
std::string format_vrps_json(const std::vector<Vrp>& vrps, uint64_t generated);
std::string format_vrps_csv(const std::vector<Vrp>& vrps);

}  // namespace nl::ledger
