// IANA's registries of the space it designates to the RIRs, in the CSV
// form IANA publishes: ipv4-address-space (one row per /8) and
// ipv6-unicast-address-assignments. The importer puts each designation to
// an RIR under the IANA root as that RIR's holding.
#pragma once
#include <string>
#include <vector>

#include "crypto/basics/result.h"
#include "ledger/resource.h"

namespace nl::ledger {

struct IanaDesignation {
  Resource range;
  // The RIR that administers it, spelled as in the RIR statistics files
  // ("afrinic", "apnic", "arin", "lacnic", "ripencc"); empty when IANA
  // keeps it (reserved, multicast, special purpose). A legacy /8 given to an
  // organisation belongs to the RIR whose WHOIS serves it.
  std::string registry;
  std::string designation;  // as IANA writes it: "RIPE NCC", "Administered by ARIN"
  std::string date;         // "YYYY-MM" or "YYYY-MM-DD"
  std::string status;       // ALLOCATED, LEGACY, RESERVED
  uint64_t line = 0;        // where the row starts in the file
};

// A row left out because it lies inside another row: older IANA IPv6
// files list 3ffe::/16 (the 6bone) inside the reserved 3000::/4.
struct IanaNesting {
  uint64_t line = 0;  // the inner row's line
  std::string detail;
};

struct IanaCsv {
  std::vector<IanaDesignation> rows;  // in file order, none inside another
  std::vector<IanaNesting> nested;    // rows left out, in file order
};

// Reads one of the two CSVs; `family` says which. A UTF-8 byte order mark
// is skipped. Rows are prefixes, so rows that overlap nest: the inner one
// is left out and listed in `nested`, and the outer one stands. A
// malformed row fails with its line.
Result<IanaCsv> read_iana_csv(const std::string& path, Family family);

// "RIPE NCC" -> "ripencc", "Administered by AFRINIC" -> "afrinic"; empty
// when the text names no RIR.
std::string rir_of_designation(std::string_view designation);

}  // namespace nl::ledger
