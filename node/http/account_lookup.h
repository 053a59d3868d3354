// Accounts as whois presents them: what an account holds, and which
// accounts hold the numbers an RIR organisation was imported with.
#pragma once
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "ledger/holding.h"
#include "node/driver/shared_chain.h"
#include "node/http/holding_lookup.h"

namespace nl::node {

// An answer lists at most this many of an account's holdings; the count is whole.
inline constexpr size_t kAccountViewHoldings = 50;
// An organisation id lookup names at most this many accounts.
inline constexpr size_t kOrganisationAccounts = 10;

struct AccountView {
  ledger::AccountId account;
  std::vector<ledger::Holding> holdings;  // the first kAccountViewHoldings, by id
  size_t holding_count = 0;
  LedgerMoment served_at;
};

// nullopt when the ledger knows nothing of the account: it holds nothing
// and has never signed. Takes the chain's read lock.
std::optional<AccountView> lookup_account(const SharedChain& shared, const ledger::AccountId& account);

// "afrinic-F364712F": the source registry and record id an import gives an
// organisation (org_name() in rir_import.h), split at the first '-'; nullopt
// for anything else.
struct ImportedOrganisation {
  std::string registry, handle;
};
std::optional<ImportedOrganisation> parse_imported_organisation(std::string_view text);

// The accounts holding numbers imported from that organisation (registry
// and record id compared without case), in account order, at most `limit`.
// Reads every committed holding from the store: O(holdings), without the
// chain's lock.
std::vector<ledger::AccountId> accounts_of_organisation(const SharedChain& shared, const ImportedOrganisation& org,
                                                        size_t limit = kOrganisationAccounts);

}  // namespace nl::node
