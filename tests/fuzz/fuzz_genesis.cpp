// Genesis JSON: any text is a genesis or a reason. A genesis that parses
// writes JSON that parses back to the same genesis hash, and every number
// it kept is the number the text wrote (a -5 that wrapped, a fraction that
// was cut or a number beyond 2^64 converted with undefined behaviour shows
// up here, the last also under UBSan).
#include <nlohmann/json.hpp>

#include "fuzz_check.h"
#include "ledger/genesis.h"

namespace {

using nlohmann::json;
using namespace nl;

// Exact: nlohmann's == takes -5 for 2^64 - 5 and 5.0 for 5.
bool same(const json& written, uint64_t kept) { return written.is_number_unsigned() && written.get<uint64_t>() == kept; }

void require_numbers_kept(const json& in, const ledger::Genesis& g) {
  fuzz::require(same(in.at("genesis_time"), g.genesis_time), "genesis: genesis_time is not the number written");
  for (const json& v : in.at("validators")) {
    auto acct = ledger::AccountId::parse(v.at("account").get<std::string>());
    fuzz::require(acct.ok(), "genesis: accepted a validator account that does not parse");
    const json power = v.contains("power") ? v["power"] : json(uint64_t{1});
    bool found = false;
    for (const auto& kept : g.validators.validators)
      if (kept.key == acct->key) found = same(power, kept.power);
    fuzz::require(found, "genesis: a validator's power is not the number written");
  }
  if (!in.contains("authorizations")) return;
  const json& as = in["authorizations"];
  fuzz::require(as.size() == g.authorizations.size(), "genesis: authorizations lost or made up");
  for (size_t i = 0; i < as.size(); ++i)
    fuzz::require(same(as[i].at("asn"), g.authorizations[i].asn) &&
                      same(as[i].at("max_length"), g.authorizations[i].max_length),
                  "genesis: an authorization's numbers are not the numbers written");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = fuzz::text_of(data, size);
  auto g = ledger::Genesis::from_json(text);
  if (!g) return 0;
  require_numbers_kept(json::parse(text), *g);
  auto again = ledger::Genesis::from_json(g->to_json());
  fuzz::require(again.ok(), "genesis: its own JSON does not parse");
  fuzz::require(again->hash() == g->hash(), "genesis: hash differs after a JSON round trip");
  fuzz::require(again->to_json() == g->to_json(), "genesis: JSON differs after a round trip");
  return 0;
}
