#include "ledger/trusted_set.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "crypto/basics/bounded_file.h"
#include "crypto/basics/bytes.h"
#include "crypto/basics/json_fields.h"

namespace nl::ledger {

using json = nlohmann::json;

json validators_to_json(const ValidatorSet& s) {
  json a = json::array();
  for (const auto& v : s.validators) a.push_back({{"account", AccountId{v.key}.to_string()}, {"power", v.power}});
  return a;
}

Result<ValidatorSet> validators_from_json(const json& array, const std::string& where) {
  if (!array.is_array()) return fail(where + ": validators is not an array");
  ValidatorSet set;
  for (size_t i = 0; i < array.size(); ++i) {
    const json& v = array[i];
    const std::string field = "validators[" + std::to_string(i) + "]";
    if (!v.is_object()) return fail(where + ": " + field + " is not a JSON object");
    auto it = v.find("account");
    if (it == v.end() || !it->is_string()) return fail(where + ": " + field + ".account is missing or not a string");
    auto acct = AccountId::parse(it->get<std::string>());
    if (!acct) return fail(where + ": validator: " + acct.error());
    auto power = json_uint_member_or(v, "power", field + ".power", 1);
    if (!power) return fail(where + ": " + power.error());
    set.validators.push_back({acct->key, *power});
  }
  std::sort(set.validators.begin(), set.validators.end());
  if (auto s = set.validate(); !s) return fail(where + ": " + s.error());
  return set;
}

TrustedSet TrustedSet::from_genesis(const Genesis& g) { return {g.chain_id, g.hash(), 1, g.validators}; }

std::string TrustedSet::to_json() const {
  json j = {{"chain_id", chain_id},
            {"genesis_hash", genesis_hash.hex()},
            {"height", height},
            {"validators", validators_to_json(set)}};
  return j.dump(2) + "\n";
}

Result<TrustedSet> TrustedSet::from_json(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail("trusted set: not a JSON object");
  TrustedSet t;
  auto id = j.find("chain_id");
  if (id == j.end() || !id->is_string() || !valid_chain_id(id->get<std::string>()))
    return fail("trusted set: chain_id is missing or not a valid chain id");
  t.chain_id = id->get<std::string>();
  auto gh = j.find("genesis_hash");
  auto bytes = gh != j.end() && gh->is_string() ? from_hex(gh->get<std::string>()) : std::nullopt;
  if (!bytes || bytes->size() != 32) return fail("trusted set: genesis_hash is missing or not 64 hex digits");
  std::copy(bytes->begin(), bytes->end(), t.genesis_hash.b.begin());
  auto height = json_uint_member(j, "height", "height");
  if (!height) return fail("trusted set: " + height.error());
  if (*height == 0) return fail("trusted set: height must be at least 1");
  t.height = *height;
  auto vs = j.find("validators");
  if (vs == j.end()) return fail("trusted set: validators is missing");
  auto set = validators_from_json(*vs, "trusted set");
  if (!set) return set.take_error();
  t.set = std::move(*set);
  return t;
}

Result<TrustedSet> TrustedSet::load(const std::string& path) {
  // A set of kMaxValidators validators is far below the cap.
  auto text = read_bounded_file(path, kMaxTrustedSetFileBytes, "trusted set file", "1 MiB");
  if (!text) return text.take_error();
  auto t = from_json(*text);
  if (!t) return fail(path + ": " + t.error());
  return t;
}

}  // namespace nl::ledger
