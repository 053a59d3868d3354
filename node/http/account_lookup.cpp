#include "node/http/account_lookup.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "ledger/state_keys.h"

namespace nl::node {

using namespace nl::ledger;

namespace {

bool same_text(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

std::optional<AccountView> lookup_account(const SharedChain& shared, const AccountId& account) {
  auto lk = shared.read_lock();
  const Chain& chain = shared.chain();
  const Registry& reg = chain.registry();
  AccountView v;
  v.account = account;
  v.holding_count = reg.holding_count_of(account);
  if (v.holding_count == 0 && !reg.account(account)) return std::nullopt;
  v.holdings = reg.holdings_of(account, std::nullopt, kAccountViewHoldings);
  v.served_at = {chain.height(), chain.tip_header().time};
  return v;
}

std::optional<ImportedOrganisation> parse_imported_organisation(std::string_view text) {
  const auto dash = text.find('-');
  if (dash == 0 || dash == std::string_view::npos || dash + 1 == text.size()) return std::nullopt;
  const std::string_view registry = text.substr(0, dash), handle = text.substr(dash + 1);
  if (!std::all_of(registry.begin(), registry.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); }))
    return std::nullopt;
  if (!std::all_of(handle.begin(), handle.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
      }))
    return std::nullopt;
  return ImportedOrganisation{std::string(registry), std::string(handle)};
}

std::vector<AccountId> accounts_of_organisation(const SharedChain& shared, const ImportedOrganisation& org,
                                                size_t limit) {
  // Straight from the store's committed holdings, without the chain's
  // lock: at registry scale this reads half a million holdings (about a
  // second), which under the lock would hold every commit back as long.
  std::set<AccountId> found;
  const Bytes from{keys::kHolding}, to{static_cast<uint8_t>(keys::kHolding + 1)};
  (void)shared.chain().store().for_each_state(
      [&](ByteView, ByteView value) -> Status {
        // Every stored holding decoded when the chain opened.
        auto h = decode_value<Holding>(value, "holding");
        if (h && same_text(h->meta.source_handle, org.handle) && same_text(h->meta.source_registry, org.registry))
          found.insert(h->holder);
        return {};
      },
      from, to);
  std::vector<AccountId> out(found.begin(), found.end());
  if (out.size() > limit) out.resize(limit);
  return out;
}

}  // namespace nl::node
