#include "node/whois/whois_answer.h"

#include <string_view>
#include <vector>

#include "node/client/json_views.h"
#include "node/http/account_lookup.h"
#include "node/http/holding_lookup.h"
#include "node/whois/whois_objects.h"
#include "node/whois/whois_query.h"

namespace nl::node {

using namespace nl::ledger;

namespace {

LedgerMoment tip(const SharedChain& shared) {
  auto lk = shared.read_lock();
  const Chain& chain = shared.chain();
  return {chain.height(), chain.tip_header().time};
}

std::string header(const Chain& chain, const LedgerMoment& at) {
  return "% This is the numledger whois service (RFC 3912).\n"
         "% Objects are holdings of the ledger of chain '" + chain.genesis().chain_id + "' at height " +
         std::to_string(at.height) + " (" + rfc3339(at.time) + ").\n"
         "% Control rests on the holder's signatures, not on this server: check it offline\n"
         "% with 'numledger proof get RESOURCE' and 'numledger proof verify'.\n\n";
}

// An answer's objects, each after a "%" line that says what it is.
struct Found {
  LedgerMoment at;
  std::string text;
  size_t objects = 0;
  void add(const WhoisQuery& q, std::string_view type, const std::string& comment, const std::string& object) {
    if (!q.wants(type)) return;
    text += "% " + comment + "\n\n" + object + "\n";
    ++objects;
  }
};

const std::string kNoEntries = "%ERROR:101: no entries found\n";

// A holding and, unless -r, its holder's organisation object.
void add_holding(const SharedChain& shared, const WhoisQuery& q, const HoldingView& v, const std::string& comment,
                 Found& f) {
  f.at = v.served_at;
  f.add(q, holding_object_type(v.holding.range), comment, holding_object(v));
  if (!q.referenced) return;
  if (auto a = lookup_account(shared, v.holding.holder))
    f.add(q, kOrganisationType, "The holder of " + holding_handle(v.holding.id) + ":", organisation_object(*a));
}

}  // namespace

std::string whois_answer(const SharedChain& shared, const std::string& line) {
  const Chain& chain = shared.chain();
  auto error = [&](const std::string& lines) { return header(chain, tip(shared)) + lines + "\n"; };
  auto q = parse_whois_flags(line);
  if (!q) return error(q.error());
  if (q->key.empty()) return error("%ERROR:106: no search key specified\n");
  const std::string& key = q->key;
  const std::string shown = "'" + printable_excerpt(key) + "'";
  auto unreadable = [&](const std::string& why) {
    return error("%ERROR:100: internal software error\n% cannot read the ledger: " + why + "\n");
  };

  Found f{tip(shared), "", 0};
  std::string miss;  // why nothing was found
  if (auto id = parse_holding_handle(key)) {
    auto found = lookup_holding(shared, *id);
    if (!found) return unreadable(found.error());
    if (*found) add_holding(shared, *q, **found, "Holding " + holding_handle(*id) + ":", f);
    else miss = "% No holding has the handle " + shown + ".\n";
  } else if (auto account = AccountId::parse(key)) {
    if (auto a = lookup_account(shared, *account)) {
      f.at = a->served_at;
      f.add(*q, kOrganisationType, "Account " + account->to_string() + ":", organisation_object(*a));
    } else {
      miss = "% The ledger knows nothing of account " + shown + ".\n";
    }
  } else if (auto r = parse_whois_query(key)) {
    auto found = lookup_holding(shared, *r);
    if (!found) return unreadable(found.error());
    if (*found) add_holding(shared, *q, **found, "The most specific holding that contains " + query_text(*r) + ":", f);
    else miss = "% No holding contains " + query_text(*r) + ".\n";
  } else if (auto org = parse_imported_organisation(key)) {
    for (const AccountId& a : accounts_of_organisation(shared, *org))
      if (auto v = lookup_account(shared, a)) {
        f.at = v->served_at;
        f.add(*q, kOrganisationType, "An account holding numbers imported from " + shown + ":", organisation_object(*v));
      }
    if (f.text.empty()) miss = "% No holding was imported from organisation " + shown + ".\n";
  } else {
    miss = "% " + r.error() + "; nor is it a holding handle (NLH-12), an account (nl...) or an organisation id " +
           "(REGISTRY-ID, as imported).\n";
  }
  if (f.objects == 0) {
    if (miss.empty()) miss = "% No objects of the selected types (-T).\n";
    return error(kNoEntries + miss);
  }
  return header(chain, f.at) + f.text;
}

}  // namespace nl::node
