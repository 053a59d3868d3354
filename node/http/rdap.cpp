#include "node/http/rdap.h"

#include <cctype>
#include <nlohmann/json.hpp>
#include <string_view>
#include <utility>
#include <vector>

#include "node/http/api.h"
#include "node/http/holding_lookup.h"
#include "node/client/json_views.h"

namespace nl::node {

using json = nlohmann::ordered_json;
using namespace nl::ledger;

namespace {

constexpr const char* kExtension = "numledger_level_0";

// Replace, never throw: the path that reached an error message is client bytes.
std::string dump(const json& j) { return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n"; }

HttpResponse rdap_error(unsigned code, const std::string& title, const std::string& description) {
  json j = {{"rdapConformance", json::array({"rdap_level_0"})},
            {"errorCode", code},
            {"title", title},
            {"description", json::array({description})}};
  return {code, dump(j), kRdapContentType};
}

// "http://HOST" for absolute links, or "" (links stay relative) when the
// Host header is missing or holds anything but a host name, address and port.
std::string base_url(const std::string& host) {
  if (host.empty() || host.size() > 255) return "";
  for (char c : host)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != ':' && c != '[' && c != ']')
      return "";
  return "http://" + host;
}

u128 host_mask(int bits, int len) {
  if (len >= bits) return 0;
  if (len == 0) return bits == 128 ? ~u128(0) : (u128(1) << bits) - 1;
  return (u128(1) << (bits - len)) - 1;
}

// The fewest CIDR prefixes that exactly cover r (NRO cidr0 extension), so
// clients see prefixes even for imported ranges that are not aligned.
json cidr0_cidrs(const Resource& r) {
  const int bits = family_bits(r.family);
  const bool v4 = r.family == Family::ipv4;
  json out = json::array();
  for (u128 first = r.first;;) {
    int len = 0;
    while (len < bits && ((first & host_mask(bits, len)) != 0 || (first | host_mask(bits, len)) > r.last)) ++len;
    out.push_back({{v4 ? "v4prefix" : "v6prefix", v4 ? format_ipv4(first) : format_ipv6(first)}, {"length", len}});
    const u128 end = first | host_mask(bits, len);
    if (end >= r.last) break;
    first = end + 1;
  }
  return out;
}

json event(const char* action, const LedgerMoment& m) {
  return {{"eventAction", action}, {"eventDate", rfc3339(m.time)}, {"numledger_height", m.height}};
}

json vcard(std::vector<json> properties) {
  properties.insert(properties.begin(), json::array({"version", json::object(), "text", "4.0"}));
  return json::array({"vcard", properties});
}

json link(const std::string& value, const char* rel, const std::string& href, const char* type) {
  return {{"value", value}, {"rel", rel}, {"href", href}, {"type", type}};
}

// The head of an object: conformance, class and handle, in the order RDAP
// servers conventionally print them (hence ordered_json throughout).
json object_head(const HoldingView& v, const char* object_class) {
  const bool ip = v.holding.range.family != Family::asn;
  return {{"rdapConformance", ip ? json::array({"rdap_level_0", "cidr0", kExtension})
                                 : json::array({"rdap_level_0", kExtension})},
          {"objectClassName", object_class},
          {"handle", holding_handle(v.holding.id)}};
}

void add_description(json& j, const HoldingView& v) {
  const Holding& h = v.holding;
  if (!h.meta.name.empty()) j["name"] = h.meta.name;
  j["type"] = holding_kind_name(h.kind);
  if (!h.meta.country.empty()) j["country"] = h.meta.country;
}

// Entities, events, links, notices, remarks and extension members.
void add_tail(json& j, const HoldingView& v, const std::string& base, const std::string& self) {
  const Holding& h = v.holding;
  j["status"] = json::array({v.expired_lease() ? "inactive" : "active"});
  json entities = json::array();
  entities.push_back({{"objectClassName", "entity"}, {"handle", h.holder.to_string()}, {"roles", {"registrant"}}});
  if (!h.meta.abuse_contact.empty()) {
    std::vector<json> props{json::array({"fn", json::object(), "text", h.meta.abuse_contact})};
    if (h.meta.abuse_contact.find('@') != std::string::npos)
      props.push_back(json::array({"email", json::object(), "text", h.meta.abuse_contact}));
    entities.push_back({{"objectClassName", "entity"}, {"roles", {"abuse"}}, {"vcardArray", vcard(props)}});
  }
  j["entities"] = entities;

  json registration = event("registration", v.registered);
  // An imported holding's date is its source registry's, not a block's.
  if (!v.registered_by.empty()) registration["numledger_dateSource"] = v.registered_by;
  json events = json::array({registration, event("last changed", v.last_changed)});
  if (h.kind == HoldingKind::lease)
    events.push_back({{"eventAction", "expiration"}, {"eventDate", rfc3339(h.lease_until)}});
  events.push_back(event("last update of RDAP database", v.served_at));
  j["events"] = events;

  j["links"] = json::array({link(base + self, "self", base + self, kRdapContentType)});
  if (!h.meta.source_registry.empty() || !h.meta.source_handle.empty()) {
    std::string from = "Imported from " + (h.meta.source_registry.empty() ? "another registry" : h.meta.source_registry);
    if (!h.meta.source_handle.empty()) from += ", record " + h.meta.source_handle;
    j["remarks"] = json::array({{{"title", "Source registry"}, {"description", {from + "."}}}});
  }
  const std::string range = h.range.to_string();
  j["notices"] = json::array(
      {{{"title", "Source"},
        {"description",
         {"Read from the numledger ledger of chain '" + v.chain_id + "' at height " +
              std::to_string(v.served_at.height) + " (block time " + rfc3339(v.served_at.time) + ").",
          "Control of these numbers rests on the holder's signatures in the ledger, not on this server: fetch a "
          "proof of control from the related link and check it offline with 'numledger proof verify'."}},
        {"links", json::array({link(base + self, "related", base + "/api/v1/proof/" + range, "application/json")})}}});

  j["numledger_holdingId"] = h.id;
  j["numledger_range"] = range;
  if (!h.meta.source_registry.empty()) j["numledger_sourceRegistry"] = h.meta.source_registry;
  if (!h.meta.source_handle.empty()) j["numledger_sourceHandle"] = h.meta.source_handle;
  j["numledger_chainId"] = v.chain_id;
  j["numledger_ledgerHeight"] = v.served_at.height;
}

json ip_network(const HoldingView& v, const std::string& base, const std::string& self) {
  const Holding& h = v.holding;
  const bool v4 = h.range.family == Family::ipv4;
  json j = object_head(v, "ip network");
  j["startAddress"] = v4 ? format_ipv4(h.range.first) : format_ipv6(h.range.first);
  j["endAddress"] = v4 ? format_ipv4(h.range.last) : format_ipv6(h.range.last);
  j["ipVersion"] = v4 ? "v4" : "v6";
  add_description(j, v);
  if (v.parent) j["parentHandle"] = holding_handle(v.parent->id);
  j["cidr0_cidrs"] = cidr0_cidrs(h.range);
  add_tail(j, v, base, self);
  // "up" resolves only when the parent is one prefix: a prefix lookup then
  // finds the parent itself, or a child with the very same range.
  if (v.parent && v.parent->range.prefix_length())
    j["links"].push_back(link(base + self, "up", base + "/rdap/ip/" + v.parent->range.to_string(), kRdapContentType));
  return j;
}

json autnum(const HoldingView& v, const std::string& base, const std::string& self) {
  const Holding& h = v.holding;
  json j = object_head(v, "autnum");
  j["startAutnum"] = static_cast<uint64_t>(h.range.first);
  j["endAutnum"] = static_cast<uint64_t>(h.range.last);
  add_description(j, v);
  // RFC 9083 gives autnum no parentHandle member; ours is an extension.
  if (v.parent) j["numledger_parentHandle"] = holding_handle(v.parent->id);
  add_tail(j, v, base, self);
  return j;
}

HttpResponse help() {
  json j = {{"rdapConformance", json::array({"rdap_level_0", "cidr0", kExtension})},
            {"notices",
             {{{"title", "numledger RDAP"},
               {"description",
                {"Lookups: /rdap/ip/{address or CIDR prefix} and /rdap/autnum/{AS number}.",
                 "Each answer is the most specific ledger holding that contains the whole query; its registrant "
                 "is the account that controls it.",
                 "Ledger heights are in the numledger_* extension members; events carry numledger_height.",
                 "A holding imported in the genesis is registered on its source registry's date "
                 "(numledger_dateSource names the registry); any other on the time of the block that created it.",
                 "Space only the whole-family root covers is unregistered: 404."}}}}}};
  return {200, dump(j), kRdapContentType};
}

HttpResponse lookup(const SharedChain& shared, const Resource& query, const std::string& base,
                    const std::string& self) {
  auto found = lookup_holding(shared, query);
  if (!found) return rdap_error(500, "Internal Server Error", "cannot read the ledger: " + found.error());
  if (!*found) return rdap_error(404, "Not Found", "no holding contains " + query_text(query));
  const HoldingView& v = **found;
  return {200, dump(query.family == Family::asn ? autnum(v, base, self) : ip_network(v, base, self)),
          kRdapContentType};
}

// Everything but the headers every RDAP answer carries.
HttpResponse answer(const SharedChain& shared, const HttpRequest& req) {
  std::string path = req.target.substr(0, req.target.find('?'));
  if (path != kRdapRoot && !path.starts_with(kRdapPathPrefix)) return rdap_error(404, "Not Found", "not an RDAP path");
  // RFC 7480 §4.1: HEAD is answered like GET; the server drops the body.
  if (req.method != "GET" && req.method != "HEAD") {
    HttpResponse r =
        rdap_error(405, "Method Not Allowed", "RDAP queries use GET or HEAD, not " + printable_excerpt(req.method));
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  const std::string_view rest =
      path == kRdapRoot ? "" : std::string_view(path).substr(std::string_view(kRdapPathPrefix).size());
  // No object class is a query the server cannot interpret: 400 (RFC 7480 §5.4).
  if (rest.empty())
    return rdap_error(400, "Bad Request",
                      std::string("no RDAP query given; lookups are ip/ and autnum/, see ") + kRdapPathPrefix + "help");
  const std::string base = base_url(req.host);
  try {
    if (rest == "help" || rest == "help/") return help();
    if (rest.starts_with("ip/")) {
      auto q = parse_ip_query(url_decode(std::string(rest.substr(3))));
      if (!q) return rdap_error(400, "Bad Request", q.error());
      return lookup(shared, *q, base, path);
    }
    if (rest.starts_with("autnum/")) {
      auto q = parse_autnum_query(url_decode(std::string(rest.substr(7))));
      if (!q) return rdap_error(400, "Bad Request", q.error());
      return lookup(shared, *q, base, path);
    }
    const std::string_view type = rest.substr(0, rest.find('/'));
    for (std::string_view unsupported : {"domain", "nameserver", "entity", "domains", "nameservers", "entities"})
      if (type == unsupported)
        return rdap_error(501, "Not Implemented",
                          "this number registry answers ip and autnum lookups, not '" + std::string(type) + "'");
    return rdap_error(400, "Bad Request",
                      "'" + printable_excerpt(path) + "' is not an RDAP query; see " + kRdapPathPrefix + "help");
  } catch (const std::exception& e) {
    return rdap_error(500, "Internal Server Error", std::string("internal error: ") + e.what());
  }
}

}  // namespace

HttpResponse rdap_response(const SharedChain& shared, const HttpRequest& req) {
  HttpResponse r = answer(shared, req);
  // RFC 7480 §5.6: browser clients on other origins may read every answer, errors included.
  r.headers.emplace_back("Access-Control-Allow-Origin", "*");
  return r;
}

}  // namespace nl::node
