// RDAP (RFC 7480 transport, RFC 9082 queries, RFC 9083 responses) on the
// node's HTTP port:
//   /rdap/ip/{address or CIDR prefix}  -> "ip network"
//   /rdap/autnum/{AS number}           -> "autnum"
//   /rdap/help                         -> help (also /rdap/help/)
// GET and HEAD are answered (HEAD without the body); every answer, errors
// included, carries Access-Control-Allow-Origin: * (RFC 7480 §5.6).
// Each answer is the most specific holding containing the whole query.
// Errors are RDAP error objects: 400 malformed or no query at all (/rdap,
// /rdap/), 404 no covering holding (the whole-family root of an import
// covers unregistered space, so it is none: holding_lookup.h), 405 wrong
// method, 501 query types a number registry does not serve.
// Registration dates: HoldingView (an imported holding's is its RIR's).
// Ledger heights go in extension members ("numledger_level_0").
#pragma once

#include "ledger/chain.h"
#include "node/driver/shared_chain.h"
#include "node/net/http_server.h"

namespace nl::node {

inline constexpr const char* kRdapPathPrefix = "/rdap/";
inline constexpr const char* kRdapRoot = "/rdap";  // routed here too, for its error object
inline constexpr const char* kRdapContentType = "application/rdap+json";

// Answers one request whose path is kRdapRoot or starts with kRdapPathPrefix. Takes
// the chain's read lock while it reads.
HttpResponse rdap_response(const SharedChain& shared, const HttpRequest& req);

}  // namespace nl::node
