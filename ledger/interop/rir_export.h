// A registry's subtree of the ledger as an RIR statistics file in the
// extended form (8 fields), the way the RIRs publish it: the version line,
// one summary line per type, then the records by type (asn, ipv4, ipv6) and
// start. A record is a holding whose metadata names the registry as its
// source; its status is allocated or assigned from the holding's kind (a
// lease is written as assigned), its opaque-id the source handle. Only
// allocated and assigned records exist in a ledger: available and reserved
// space is simply space nobody below the registry holds.
//
// Dates: holdings from the genesis, and pieces of them split off under the
// same handle, take the registration date the genesis kept; other holdings
// the date of the block that created them. An IPv6 range
// that is not one prefix (a transfer may split one) is written as the
// prefixes that make it up.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include "ledger/chain.h"
#include "ledger/genesis.h"
#include "ledger/genesis_records.h"
#include "ledger/registry.h"

namespace nl::ledger {

struct RirExport {
  std::string text;
  uint64_t records = 0;
};

// serial: the file's date (YYYYMMDD). date_of_height gives the date of a
// block after genesis; `genesis` dates the holdings the genesis made.
RirExport export_rir(const Registry& reg, const GenesisRecords& genesis, const std::string& registry, const std::string& serial,
                     const std::function<std::string(uint64_t height)>& date_of_height);

// The chain's current state, dated by its tip; block dates from the store.
RirExport export_rir(const Chain& chain, const std::string& registry);

// YYYYMMDD of a unix time, UTC.
std::string yyyymmdd(uint64_t unix_seconds);

}  // namespace nl::ledger
