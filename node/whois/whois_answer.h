// What a whois query gets: "%" comment lines, then the most specific
// holding containing the query as an RPSL-style object in the manner of
// RIR whois servers (inetnum / inet6num / aut-num / as-block, source
// NUMLEDGER), or a "%ERROR:" line:
//   101 no entries found (also for a key that is no address, prefix, range or AS number)
//   106 no search key specified
//   111 invalid option (flags such as "-B" are not supported)
//   100 internal software error (the ledger could not be read)
#pragma once
#include <string>

#include "ledger/chain.h"
#include "node/driver/shared_chain.h"

namespace nl::node {

// Takes the chain's read lock while it reads the ledger.
std::string whois_answer(const SharedChain& shared, const std::string& query);

}  // namespace nl::node
