// What a whois query gets: "%" comment lines, then objects (whois_objects.h)
// or a "%ERROR:" line. Search keys:
//   an address, prefix, range ("A - B" too) or AS number: the most specific
//     holding that contains it (never the whole-family root: that is
//     unregistered space, 101);
//   a holding handle (NLH-12): that holding;
//   an account (nl...): its organisation object;
//   an imported organisation id (afrinic-F364712F): the organisation object
//     of each account holding numbers imported from it (at most
//     kOrganisationAccounts).
// A holding comes with its holder's organisation object unless -r; -T
// keeps only objects of the given types (flags: whois_query.h). Errors:
//   101 no entries found (also for a key that is none of the above, or
//       when -T leaves nothing)
//   103 unknown object type, 110 multiple use of flag, 111 invalid option
//   106 no search key specified
//   100 internal software error (the ledger could not be read)
#pragma once
#include <string>

#include "ledger/chain.h"
#include "node/driver/shared_chain.h"

namespace nl::node {

// Takes the chain's read lock while it reads the ledger.
std::string whois_answer(const SharedChain& shared, const std::string& query);

}  // namespace nl::node
