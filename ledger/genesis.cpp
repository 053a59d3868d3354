#include "ledger/genesis.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "crypto/domain_tags.h"
#include "crypto/basics/bounded_file.h"
#include "crypto/basics/json_fields.h"
#include "ledger/trusted_set.h"

namespace nl::ledger {

using nlohmann::json;

namespace {

std::string dump(const json& j, int indent = -1) {
  return j.dump(indent, ' ', false, json::error_handler_t::replace);
}

// Metadata in the file: one key per field of its list, absent when empty.
void put_meta(json& o, const Metadata& m) {
  struct Put {
    json& o;
    void operator()(const Field<const std::string>& f) {
      if (!f.value->empty()) o[std::string(f.name)] = *f.value;
    }
  } put{o};
  Metadata::fields(put, m);
}

Metadata get_meta(const json& o) {
  struct Get {
    const json& o;
    void operator()(const Field<std::string>& f) { *f.value = o.value(std::string(f.name), ""); }
  } get{o};
  Metadata m;
  Metadata::fields(get, m);
  return m;
}

// One holding per line, children nested after their parent's fields: the
// file stays greppable at 100k holdings without the bulk of indentation.
void write_holding(std::string& out, const GenesisHolding& h) {
  json o = {{"resource", h.range.to_string()}, {"holder", h.holder.to_string()}};
  if (h.kind != HoldingKind::allocation) o["kind"] = holding_kind_name(h.kind);
  put_meta(o, h.meta);
  if (!h.registered.empty()) o["registered"] = h.registered;
  std::string s = dump(o);
  if (h.children.empty()) {
    out += s;
    return;
  }
  s.pop_back();  // the closing brace
  out += s;
  out += ",\"children\":[\n";
  for (size_t i = 0; i < h.children.size(); ++i) {
    if (i) out += ",\n";
    write_holding(out, h.children[i]);
  }
  out += "]}";
}


// Throws json::exception for missing or mistyped fields; the caller turns
// that into an error.
Result<GenesisHolding> read_holding(const json& o, size_t depth) {
  if (depth > kMaxGenesisDepth)
    return fail("holdings are nested deeper than " + std::to_string(kMaxGenesisDepth) + " levels");
  if (!o.is_object()) return fail("a holding is not a JSON object");
  GenesisHolding h;
  auto res = Resource::parse(o.at("resource").get<std::string>());
  if (!res) return fail("holding: " + res.error());
  h.range = *res;
  const std::string name = "holding " + h.range.to_string() + ": ";
  auto holder = AccountId::parse(o.at("holder").get<std::string>());
  if (!holder) return fail(name + holder.error());
  h.holder = *holder;
  auto kind = parse_holding_kind(o.value("kind", "allocation"));
  if (!kind) return fail(name + kind.error());
  h.kind = *kind;
  h.meta = get_meta(o);
  h.registered = o.value("registered", "");
  if (auto s = check_genesis_holding(h); !s) return s.take_error();
  if (auto c = o.find("children"); c != o.end()) {
    if (!c->is_array()) return fail(name + "children is not an array");
    h.children.reserve(c->size());
    for (const auto& child : *c) {
      auto ch = read_holding(child, depth + 1);
      if (!ch) return ch.take_error();
      h.children.push_back(std::move(*ch));
    }
  }
  return h;
}

Result<GenesisAuthorization> read_authorization(const json& o) {
  if (!o.is_object()) return fail("an authorization is not a JSON object");
  GenesisAuthorization a;
  auto p = Resource::parse(o.at("prefix").get<std::string>());
  if (!p) return fail("authorization: " + p.error());
  a.prefix = *p;
  const std::string name = "authorization " + p->to_string() + ": ";
  auto max_length = json_uint_member(o, "max_length", "max_length", 0, 128);
  if (!max_length) return fail(name + max_length.error());
  a.max_length = static_cast<uint8_t>(*max_length);
  auto asn = json_uint_member(o, "asn", "asn", 0, UINT32_MAX);
  if (!asn) return fail(name + asn.error());
  a.asn = static_cast<uint32_t>(*asn);
  auto issuer = AccountId::parse(o.at("issuer").get<std::string>());
  if (!issuer) return fail(name + issuer.error());
  a.issuer = *issuer;
  return a;
}

size_t count_holdings(const std::vector<GenesisHolding>& hs) {
  size_t n = hs.size();
  for (const auto& h : hs) n += count_holdings(h.children);
  return n;
}

}  // namespace

Status check_genesis_holding(const GenesisHolding& h) {
  const std::string name = "holding " + h.range.to_string() + ": ";
  if (h.kind == HoldingKind::lease) return fail(name + "a genesis holding can't be a lease");
  if (h.kind != HoldingKind::allocation && h.kind != HoldingKind::assignment)
    return fail(name + "unknown holding kind " + std::to_string(int(h.kind)));
  if (auto s = h.meta.validate(); !s) return fail(name + s.error());
  const std::string& d = h.registered;
  if (!d.empty() && !(d.size() == 8 && std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; })))
    return fail(name + "registered '" + d.substr(0, 20) + "' is not YYYYMMDD");
  return {};
}

size_t Genesis::holding_count() const { return count_holdings(holdings); }

crypto::Hash32 Genesis::hash() const { return crypto::tagged_hash(tags::kGenesis, encode()); }

std::string Genesis::to_json() const {
  json j;
  j["chain_id"] = chain_id;
  j["genesis_time"] = genesis_time;
  j["validators"] = validators_to_json(validators);
  j["roots"] = json::array();
  for (const auto& r : roots) {
    json o = {{"resource", r.range.to_string()}, {"holder", r.holder.to_string()}};
    put_meta(o, r.meta);
    j["roots"].push_back(o);
  }
  if (holdings.empty() && authorizations.empty()) return dump(j, 2) + "\n";

  std::string out = dump(j);
  out.pop_back();  // the closing brace
  out += ",\n\"holdings\":[\n";
  for (size_t i = 0; i < holdings.size(); ++i) {
    if (i) out += ",\n";
    write_holding(out, holdings[i]);
  }
  out += "],\n\"authorizations\":[\n";
  for (size_t i = 0; i < authorizations.size(); ++i) {
    const auto& a = authorizations[i];
    if (i) out += ",\n";
    out += dump({{"prefix", a.prefix.to_string()}, {"max_length", a.max_length}, {"asn", a.asn},
                 {"issuer", a.issuer.to_string()}});
  }
  out += "]}\n";
  return out;
}

Result<Genesis> Genesis::from_json(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail("genesis: not a JSON object");
  for (const char* key : {"chain_id", "genesis_time", "validators", "roots"})
    if (!j.contains(key))
      return fail(std::string("genesis: no \"") + key +
                  "\" key; a genesis file has chain_id, genesis_time, validators and roots (is this a genesis file?)");
  Genesis g;
  try {
    g.chain_id = j.at("chain_id").get<std::string>();
    if (!valid_chain_id(g.chain_id))
      return fail("genesis: chain_id must be 1-" + std::to_string(kMaxChainIdBytes) +
                  " printable ASCII characters without spaces");
    auto time = json_uint_member(j, "genesis_time", "genesis_time");
    if (!time) return fail("genesis: " + time.error());
    g.genesis_time = *time;
    auto set = validators_from_json(j.at("validators"), "genesis");
    if (!set) return set.take_error();
    g.validators = std::move(*set);
    const json& roots = j.at("roots");
    // An object's values would iterate like an array's elements.
    if (!roots.is_array()) return fail("genesis: roots is not an array");
    for (const auto& r : roots) {
      GenesisRoot root;
      auto res = Resource::parse(r.at("resource").get<std::string>());
      if (!res) return fail("genesis: root: " + res.error());
      root.range = *res;
      auto holder = AccountId::parse(r.at("holder").get<std::string>());
      if (!holder) return fail("genesis: root " + res->to_string() + ": " + holder.error());
      root.holder = *holder;
      root.meta = get_meta(r);
      if (auto s = root.meta.validate(); !s) return fail("genesis: root " + res->to_string() + ": " + s.error());
      g.roots.push_back(std::move(root));
    }
    if (auto hs = j.find("holdings"); hs != j.end()) {
      if (!hs->is_array()) return fail("genesis: holdings is not an array");
      g.holdings.reserve(hs->size());
      for (const auto& o : *hs) {
        auto h = read_holding(o, 1);
        if (!h) return fail("genesis: " + h.error());
        g.holdings.push_back(std::move(*h));
      }
    }
    if (auto as = j.find("authorizations"); as != j.end()) {
      if (!as->is_array()) return fail("genesis: authorizations is not an array");
      g.authorizations.reserve(as->size());
      for (const auto& o : *as) {
        auto a = read_authorization(o);
        if (!a) return fail("genesis: " + a.error());
        g.authorizations.push_back(std::move(*a));
      }
    }
  } catch (const json::exception& e) {
    // nlohmann's text after its "[json.exception.type_error.302] " tag.
    std::string what = e.what();
    if (auto tag = what.find("] "); what.rfind("[json.exception.", 0) == 0 && tag != std::string::npos)
      what = what.substr(tag + 2);
    return fail("genesis: " + what);
  }
  return g;
}

Result<Genesis> Genesis::load(const std::string& path) {
  // Imported registries make large geneses, but never this large.
  auto text = read_bounded_file(path, uint64_t{1} << 30, "genesis file", "1 GiB");
  if (!text) return text.take_error();
  const std::string_view all(*text);
  auto g = all.substr(0, kGenesisBinaryMagic.size()) == kGenesisBinaryMagic
               ? decode(as_bytes(all.substr(kGenesisBinaryMagic.size())))
               : from_json(all);
  if (!g) return fail(path + ": " + g.error());
  return g;
}

Status Genesis::save(const std::string& path, Format format) const {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return fail(path + ": cannot write genesis file");
  out << (format == Format::binary ? to_binary_file() : to_json());
  out.close();
  if (!out) return fail(path + ": write failed");
  return {};
}

}  // namespace nl::ledger
