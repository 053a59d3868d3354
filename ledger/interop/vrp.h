// Validated ROA payloads in the formats relying parties already use:
// Routinator's `json` and `csv` outputs. The ledger's authorizations are
// exported in them and a genesis can be seeded from them.
#pragma once
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/basics/result.h"
#include "ledger/resource.h"

namespace nl::ledger {

struct Vrp {
  uint32_t asn = 0;
  Resource prefix;  // a CIDR prefix
  uint8_t max_length = 0;
  std::string ta;   // trust anchor name
  auto operator<=>(const Vrp&) const = default;
};

// One entry that is not a valid VRP. This parser is the one place that
// decides validity: a Vrp it returns is always well-formed.
struct VrpEntryError {
  uint64_t position = 0;  // csv: the line number; json: the index in "roas" + 1
  std::string detail;     // starts with "roas[i]: " or "line n: "
};

// A file read entry by entry: one bad entry does not cost the good ones.
struct VrpFile {
  bool json = false;
  std::vector<Vrp> vrps;
  std::vector<uint64_t> positions;  // of each of vrps, as in VrpEntryError
  std::vector<VrpEntryError> bad;
};

// Routinator `json`: {"metadata": {...}, "roas": [{"asn": "AS1", "prefix":
// "p/len", "maxLength": N, "ta": "name"}, ...]}. Fails only when the text
// is not JSON or has no "roas" array.
Result<VrpFile> read_vrps_json(std::string_view text);
// read_vrps_json one entry at a time from a stream, for a file too large
// to hold as text and VRPs (70 MB and 800k at full size): `entry` gets each
// entry of "roas" as it is parsed, its position (from 1) and the VRP or the
// detail read_vrps_json would report. A repeated "roas" replaces the
// earlier one, so it first calls `restart`. Fails as read_vrps_json does,
// possibly after some entries.
Status each_vrp_json(std::istream& in, const std::function<void()>& restart,
                     const std::function<void(uint64_t, Result<Vrp>&&)>& entry);
// Routinator `csv`: header "ASN,IP Prefix,Max Length,Trust Anchor", then
// rows. Fails only without that header.
Result<VrpFile> read_vrps_csv(std::string_view text);
// Picks json or csv from the first non-blank character.
Result<VrpFile> read_vrps(std::string_view text);

// Strict forms for trusted input: any bad entry fails the whole text with
// that entry's error (the first one).
Result<std::vector<Vrp>> parse_vrps_json(std::string_view text);
Result<std::vector<Vrp>> parse_vrps_csv(std::string_view text);
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
