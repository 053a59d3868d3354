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

// Reads one of the two CSVs; `family` says which. Rows come back in file
// order. A malformed row, or rows that overlap, fail with the row's line:
// the tree can't be built on a registry that is itself wrong.
Result<std::vector<IanaDesignation>> read_iana_csv(const std::string& path, Family family);

// "RIPE NCC" -> "ripencc", "Administered by AFRINIC" -> "afrinic"; empty
// when the text names no RIR.
std::string rir_of_designation(std::string_view designation);

}  // namespace nl::ledger
