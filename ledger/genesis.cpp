#include "ledger/genesis.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "crypto/domain_tags.h"

namespace nl::ledger {

using nlohmann::json;

uint64_t ValidatorSet::total_power() const {
  uint64_t t = 0;
  for (const auto& v : validators) t += v.power;
  return t;
}

const Validator* ValidatorSet::find(const crypto::PublicKey& k) const {
  auto it = std::lower_bound(validators.begin(), validators.end(), k,
                             [](const Validator& v, const crypto::PublicKey& key) { return v.key < key; });
  return it != validators.end() && it->key == k ? &*it : nullptr;
}

void ValidatorSet::encode(Writer& w) const {
  w.count(validators.size());
  for (const auto& v : validators) w.fixed(v.key.b).u64(v.power);
}

crypto::Hash32 ValidatorSet::hash() const {
  Writer w;
  encode(w);
  return crypto::tagged_hash(tags::kValidatorSet, w.data());
}

Status ValidatorSet::verify_commit(const std::string& chain_id, const CommitCertificate& cert) const {
  Bytes msg = vote_sign_bytes(chain_id, cert.height, cert.round, VoteType::precommit, cert.block_hash);
  unsigned __int128 signed_power = 0;
  for (size_t i = 0; i < cert.votes.size(); ++i) {
    const auto& v = cert.votes[i];
    if (i > 0 && !(cert.votes[i - 1].validator < v.validator))
      return fail("certificate lists a validator twice or out of order");
    const Validator* val = find(v.validator);
    if (!val) return fail("certificate signer " + v.validator.hex() + " is not a validator");
    if (!crypto::verify(v.validator, msg, v.sig))
      return fail("certificate signature by validator " + v.validator.hex() + " does not verify");
    signed_power += val->power;
  }
  if (signed_power * 3 <= static_cast<unsigned __int128>(total_power()) * 2)
    return fail("certificate carries " + format_u128(signed_power) + " of " +
                std::to_string(total_power()) + " voting power; more than 2/3 is needed");
  return {};
}

crypto::Hash32 Genesis::hash() const {
  Writer w;
  w.u8(1).str(chain_id).u64(genesis_time);
  validators.encode(w);
  w.count(roots.size());
  for (const auto& r : roots) {
    r.range.encode(w);
    r.holder.encode(w);
    r.meta.encode(w);
  }
  return crypto::tagged_hash(tags::kGenesis, w.data());
}

std::string Genesis::to_json() const {
  json j;
  j["chain_id"] = chain_id;
  j["genesis_time"] = genesis_time;
  j["validators"] = json::array();
  for (const auto& v : validators.validators)
    j["validators"].push_back({{"account", AccountId{v.key}.to_string()}, {"power", v.power}});
  j["roots"] = json::array();
  for (const auto& r : roots) {
    json o = {{"resource", r.range.to_string()}, {"holder", r.holder.to_string()}};
    if (!r.meta.name.empty()) o["name"] = r.meta.name;
    if (!r.meta.country.empty()) o["country"] = r.meta.country;
    if (!r.meta.source_registry.empty()) o["source_registry"] = r.meta.source_registry;
    if (!r.meta.source_handle.empty()) o["source_handle"] = r.meta.source_handle;
    if (!r.meta.abuse_contact.empty()) o["abuse_contact"] = r.meta.abuse_contact;
    j["roots"].push_back(o);
  }
  return j.dump(2) + "\n";
}

Result<Genesis> Genesis::from_json(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail("genesis: not a JSON object");
  Genesis g;
  try {
    g.chain_id = j.at("chain_id").get<std::string>();
    if (!valid_chain_id(g.chain_id))
      return fail("genesis: chain_id must be 1-" + std::to_string(kMaxChainIdBytes) +
                  " printable ASCII characters without spaces");
    g.genesis_time = j.at("genesis_time").get<uint64_t>();
    for (const auto& v : j.at("validators")) {
      auto acct = AccountId::parse(v.at("account").get<std::string>());
      if (!acct) return fail("genesis: validator: " + acct.error());
      uint64_t power = v.value("power", uint64_t{1});
      if (power == 0 || power > (uint64_t{1} << 48)) return fail("genesis: validator power out of range");
      g.validators.validators.push_back({acct->key, power});
    }
    std::sort(g.validators.validators.begin(), g.validators.validators.end());
    for (size_t i = 1; i < g.validators.validators.size(); ++i)
      if (g.validators.validators[i].key == g.validators.validators[i - 1].key)
        return fail("genesis: a validator is listed twice");
    if (g.validators.validators.empty()) return fail("genesis: no validators");
    for (const auto& r : j.at("roots")) {
      GenesisRoot root;
      auto res = Resource::parse(r.at("resource").get<std::string>());
      if (!res) return fail("genesis: root: " + res.error());
      root.range = *res;
      auto holder = AccountId::parse(r.at("holder").get<std::string>());
      if (!holder) return fail("genesis: root " + res->to_string() + ": " + holder.error());
      root.holder = *holder;
      root.meta.name = r.value("name", "");
      root.meta.country = r.value("country", "");
      root.meta.source_registry = r.value("source_registry", "");
      root.meta.source_handle = r.value("source_handle", "");
      root.meta.abuse_contact = r.value("abuse_contact", "");
      if (auto s = root.meta.validate(); !s) return fail("genesis: root " + res->to_string() + ": " + s.error());
      g.roots.push_back(std::move(root));
    }
  } catch (const json::exception& e) {
    return fail(std::string("genesis: ") + e.what());
  }
  return g;
}

Result<Genesis> Genesis::load(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return fail(path + ": not a regular file");
  // Imported registries make large geneses, but never this large.
  if (std::filesystem::file_size(path, ec) > (uint64_t{1} << 30) || ec)
    return fail(path + ": genesis file is larger than 1 GiB or unreadable");
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(path + ": cannot open genesis file");
  std::stringstream ss;
  ss << in.rdbuf();
  auto g = from_json(ss.str());
  if (!g) return fail(path + ": " + g.error());
  return g;
}

Status Genesis::save(const std::string& path) const {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return fail(path + ": cannot write genesis file");
  out << to_json();
  out.close();
  if (!out) return fail(path + ": write failed");
  return {};
}

}  // namespace nl::ledger
