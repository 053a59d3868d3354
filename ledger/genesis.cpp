#include "ledger/genesis.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "crypto/domain_tags.h"

namespace nl::ledger {

using nlohmann::json;

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
      if (power == 0 || power > kMaxTotalPower) return fail("genesis: validator power out of range");
      g.validators.validators.push_back({acct->key, power});
    }
    std::sort(g.validators.validators.begin(), g.validators.validators.end());
    if (auto s = g.validators.validate(); !s) return fail("genesis: " + s.error());
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
