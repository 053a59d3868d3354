// Validated ROA payloads into genesis authorizations. Each VRP becomes an
// authorization issued by the effective controller of its prefix in the
// imported tree, or, when several hold parts of it, by the holder of the
// deepest holding that covers all of it (an aggregate). What can't be, is
// reported:
//   vrp-invalid        an entry that is not a valid VRP (bad AS number or
//                      prefix, maxLength outside [prefix length, 32/128],
//                      bad trust anchor); left out, the other entries kept
//   vrp-duplicate      the same (prefix, maxLength, ASN) again; left out
//   vrp-split-control  several holders control parts of the prefix and no
//                      one holding covers all of it; left out
//   vrp-uncovered      no imported record covers the prefix: its
//                      controller is a registry or IANA, which never
//                      signed it; left out
#pragma once
#include <set>
#include <string>
#include <vector>

#include "crypto/basics/result.h"
#include "ledger/genesis.h"
#include "ledger/registry.h"
#include "ledger/interop/rir_keystore.h"
#include "ledger/interop/rir_report.h"

namespace nl::ledger {

// Reads every file (Routinator json or csv), appends the authorizations to
// g and the findings to rep; issues carry the csv line or, for json, the
// entry's position in "roas". A file that is neither is one malformed issue. `reg` holds g's tree; `institutional` are the
// IANA and registry accounts. Fails only when a file can't be read.
Status import_vrps(const std::vector<std::string>& files, const Registry& reg,
                   const std::set<AccountId>& institutional, const RirKeystore& keys, Genesis& g,
                   ImportReport& rep);

}  // namespace nl::ledger
