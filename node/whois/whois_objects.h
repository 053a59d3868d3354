// The RPSL-style objects whois prints, in the manner of RIR whois servers
// (attribute names padded to 16 columns, source NUMLEDGER):
//   inetnum / inet6num / aut-num / as-block  a holding
//   organisation                             an account and what it holds
#pragma once
#include <string>
#include <string_view>

#include "node/http/account_lookup.h"
#include "node/http/holding_lookup.h"

namespace nl::node {

// One of kWhoisObjectTypes (whois_query.h).
std::string_view holding_object_type(const ledger::Resource& r);
inline constexpr std::string_view kOrganisationType = "organisation";

std::string holding_object(const HoldingView& v);
std::string organisation_object(const AccountView& v);

}  // namespace nl::node
