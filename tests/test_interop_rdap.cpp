// RDAP (RFC 9082/9083) against a real numledgerd: the most specific
// holding for addresses, prefixes and AS numbers, its events with ledger
// heights, and RDAP error objects for misses, malformed and hostile queries.
#include <doctest/doctest.h>

#include <cctype>
#include <nlohmann/json.hpp>
#include <regex>
#include <utility>

#include "support/rdap_events.h"
#include "support/registry_story.h"

using namespace nl::test;
using nlohmann::json;

namespace {

struct Answer {
  unsigned status = 0;
  std::string content_type;
  json body;
};

Answer rdap(RegistryStory& s, const std::string& target, const std::string& method = "GET") {
  auto r = nl::node::http_request(s.url, method, target, "", std::chrono::seconds(10));
  REQUIRE_MESSAGE(r.ok(), target);
  // Parsing fails on invalid UTF-8, so a parsed body is valid UTF-8.
  json body = json::parse(r->body, nullptr, false);
  REQUIRE_MESSAGE(!body.is_discarded(), target << ": " << r->body);
  return {r->status, r->content_type, body};
}

bool has(const json& array, const std::string& value) {
  return std::find(array.begin(), array.end(), value) != array.end();
}

std::string rfc3339(uint64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string handle(uint64_t id) { return "NLH-" + std::to_string(id); }

void check_error(const Answer& a, unsigned code, const std::string& target) {
  CAPTURE(target);
  CHECK(a.status == code);
  CHECK(a.content_type == "application/rdap+json");
  CHECK(a.body["errorCode"] == code);
  CHECK(a.body["title"].is_string());
  REQUIRE(a.body["description"].is_array());
  CHECK(!a.body["description"].empty());
  CHECK(has(a.body["rdapConformance"], "rdap_level_0"));
}

}  // namespace

TEST_CASE("RDAP ip and autnum lookups answer the most specific holding with ledger events") {
  RegistryStory s;
  s.build();
  const uint64_t id_root41 = s.holding_id("41.0.0.0/8"), id_alice = s.holding_id("41.0.0.0/17"),
                 id_bob24 = s.holding_id("41.0.1.0/24"), id_bob17 = s.holding_id("41.0.128.0/17"),
                 id_lease = s.holding_id("41.1.0.0/16"), id_v6root = s.holding_id("2001:db8::/32"),
                 id_v6 = s.holding_id("2001:db8:1000::/36"), id_asroot = s.holding_id("AS64496-AS64511"),
                 id_as = s.holding_id("AS64500");
  const std::regex rfc3339_re(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)");

  {
    INFO("an IPv4 prefix: alice's holding, split and with metadata");
    // 41.0.0.0/23 straddles bob's /24, so the smallest holding containing it is alice's.
    auto a = rdap(s, "/rdap/ip/41.0.0.0/23");
    REQUIRE(a.status == 200);
    CHECK(a.content_type == "application/rdap+json");
    const json& j = a.body;
    CHECK(has(j["rdapConformance"], "rdap_level_0"));
    CHECK(has(j["rdapConformance"], "numledger_level_0"));
    CHECK(has(j["rdapConformance"], "cidr0"));
    CHECK(j["objectClassName"] == "ip network");
    CHECK(j["handle"] == handle(id_alice));
    CHECK(j["startAddress"] == "41.0.0.0");
    CHECK(j["endAddress"] == "41.0.127.255");  // the transfer of 41.0.128.0/17 split it
    CHECK(j["ipVersion"] == "v4");
    CHECK(j["name"] == "ALICE-NET");
    CHECK(j["country"] == "ZA");
    CHECK(j["type"] == "allocation");
    CHECK(j["parentHandle"] == handle(id_root41));
    CHECK(j["status"] == json::array({"active"}));
    CHECK(j["cidr0_cidrs"] == json::parse(R"([{"v4prefix": "41.0.0.0", "length": 17}])"));
    REQUIRE(j["entities"].size() == 2);
    CHECK(j["entities"][0]["objectClassName"] == "entity");
    CHECK(j["entities"][0]["handle"] == s.alice);
    CHECK(j["entities"][0]["roles"] == json::array({"registrant"}));
    CHECK(j["entities"][1]["roles"] == json::array({"abuse"}));
    CHECK(j["entities"][1]["vcardArray"][0] == "vcard");
    CHECK(j["entities"][1]["vcardArray"][1].dump().find("abuse@alice.example") != std::string::npos);
    const json& reg = event(j, "registration");
    CHECK(reg["numledger_height"] == s.h_delegate16);
    CHECK(std::regex_match(reg["eventDate"].get<std::string>(), rfc3339_re));
    // Metadata then a split: the split is the last change to alice's record;
    // delegating the /24 out of it is not a change to it.
    CHECK(event(j, "last changed")["numledger_height"] == s.h_split);
    CHECK(event(j, "last changed")["eventDate"] >= reg["eventDate"]);
    CHECK(j["numledger_holdingId"] == id_alice);
    CHECK(j["numledger_ledgerHeight"].get<uint64_t>() >= s.h_asn_meta);
    REQUIRE(!j["links"].empty());
    CHECK(j["links"][0]["rel"] == "self");
    CHECK(j["links"][0]["href"] == s.url + "/rdap/ip/41.0.0.0/23");
    CHECK(j["links"][0]["type"] == "application/rdap+json");
    REQUIRE(!j["notices"].empty());
    CHECK(j["notices"][0]["links"][0]["href"] == s.url + "/api/v1/proof/41.0.0.0/17");
  }

  {
    INFO("an address inside a delegated sub-holding returns the deeper one");
    auto a = rdap(s, "/rdap/ip/41.0.1.77");
    REQUIRE(a.status == 200);
    const json& j = a.body;
    CHECK(j["handle"] == handle(id_bob24));
    CHECK(j["startAddress"] == "41.0.1.0");
    CHECK(j["endAddress"] == "41.0.1.255");
    CHECK(j["type"] == "assignment");
    CHECK(j["parentHandle"] == handle(id_alice));
    CHECK(j["entities"][0]["handle"] == s.bob);
    CHECK(!j.contains("name"));  // bob set no metadata
    CHECK(event(j, "registration")["numledger_height"] == s.h_assign24);
    CHECK(event(j, "last changed")["numledger_height"] == s.h_assign24);
    bool up = false;
    for (const auto& l : j["links"]) up = up || (l["rel"] == "up" && l["href"] == s.url + "/rdap/ip/41.0.0.0/17");
    CHECK(up);
    // The same holding by its exact prefix, percent-encoded.
    auto b = rdap(s, "/rdap/ip/41.0.1.0%2F24");
    REQUIRE(b.status == 200);
    CHECK(b.body["handle"] == handle(id_bob24));
  }

  {
    INFO("the piece a split made, a renewed lease, and a genesis root");
    auto piece = rdap(s, "/rdap/ip/41.0.200.1");
    REQUIRE(piece.status == 200);
    CHECK(piece.body["handle"] == handle(id_bob17));
    CHECK(piece.body["parentHandle"] == handle(id_root41));
    CHECK(event(piece.body, "registration")["numledger_height"] == s.h_split);

    auto lease = rdap(s, "/rdap/ip/41.1.2.3");
    REQUIRE(lease.status == 200);
    CHECK(lease.body["handle"] == handle(id_lease));
    CHECK(lease.body["type"] == "lease");
    CHECK(lease.body["status"] == json::array({"active"}));
    CHECK(event(lease.body, "registration")["numledger_height"] == s.h_lease);
    CHECK(event(lease.body, "last changed")["numledger_height"] == s.h_renew);
    CHECK(event(lease.body, "expiration")["eventDate"] == "2100-01-01T00:00:00Z");

    auto root = rdap(s, "/rdap/ip/41.200.0.0/16");
    REQUIRE(root.status == 200);
    CHECK(root.body["handle"] == handle(id_root41));
    CHECK(!root.body.contains("parentHandle"));
    CHECK(root.body["name"] == "AFRINIC-41");
    CHECK(root.body["country"] == "MU");
    CHECK(root.body["numledger_sourceRegistry"] == "afrinic");
    CHECK(root.body["numledger_sourceHandle"] == "F36B9F4B");
    CHECK(root.body["remarks"].dump().find("F36B9F4B") != std::string::npos);
    CHECK(event(root.body, "registration")["numledger_height"] == 0);
    CHECK(event(root.body, "registration")["eventDate"] == rfc3339(s.genesis_time));
    CHECK(event(root.body, "last changed")["numledger_height"] == 0);
    CHECK(root.body["entities"][0]["handle"] == s.root);
  }

  {
    INFO("IPv6");
    auto a = rdap(s, "/rdap/ip/2001:db8:1234::1");
    REQUIRE(a.status == 200);
    const json& j = a.body;
    CHECK(j["objectClassName"] == "ip network");
    CHECK(j["handle"] == handle(id_v6));
    CHECK(j["ipVersion"] == "v6");
    CHECK(j["startAddress"] == "2001:db8:1000::");
    CHECK(j["endAddress"] == "2001:db8:1fff:ffff:ffff:ffff:ffff:ffff");
    CHECK(j["parentHandle"] == handle(id_v6root));
    CHECK(j["cidr0_cidrs"] == json::parse(R"([{"v6prefix": "2001:db8:1000::", "length": 36}])"));
    CHECK(j["entities"][0]["handle"] == s.bob);  // a whole transfer keeps the holding, changes its holder
    CHECK(event(j, "registration")["numledger_height"] == s.h_v6);
    CHECK(event(j, "last changed")["numledger_height"] == s.h_v6_transfer);
    auto root = rdap(s, "/rdap/ip/2001:db8::/32");
    REQUIRE(root.status == 200);
    CHECK(root.body["handle"] == handle(id_v6root));
    auto outside = rdap(s, "/rdap/ip/2001:db9::/48");
    check_error(outside, 404, "2001:db9::/48");
  }

  {
    INFO("autnum");
    auto a = rdap(s, "/rdap/autnum/64500");
    REQUIRE(a.status == 200);
    const json& j = a.body;
    CHECK(j["objectClassName"] == "autnum");
    CHECK(j["handle"] == handle(id_as));
    CHECK(j["startAutnum"] == 64500);
    CHECK(j["endAutnum"] == 64500);
    CHECK(j["type"] == "allocation");
    CHECK(j["entities"][0]["handle"] == s.bob);
    CHECK(j["numledger_parentHandle"] == handle(id_asroot));
    CHECK(!has(j["rdapConformance"], "cidr0"));
    CHECK(j["name"] == "BOB-AS");
    CHECK(event(j, "registration")["numledger_height"] == s.h_asn);
    CHECK(event(j, "last changed")["numledger_height"] == s.h_asn_meta);
    auto range = rdap(s, "/rdap/autnum/AS64497");
    REQUIRE(range.status == 200);
    CHECK(range.body["handle"] == handle(id_asroot));
    CHECK(range.body["startAutnum"] == 64496);
    CHECK(range.body["endAutnum"] == 64511);
  }

  {
    INFO("404, 400, 405 and 501 are RDAP error objects");
    for (auto t : {"/rdap/ip/192.0.2.1", "/rdap/ip/40.0.0.0/7", "/rdap/autnum/65000", "/rdap/autnum/0"})
      check_error(rdap(s, t), 404, t);
    for (auto t : {"/rdap/ip/41.0.0.1/16", "/rdap/ip/999.1.1.1", "/rdap/ip/41.0.0.0-41.0.0.5", "/rdap/ip/",
                   "/rdap/ip/AS64500", "/rdap/ip/41.0.0.0/33", "/rdap/autnum/abc", "/rdap/autnum/4294967296",
                   "/rdap/autnum/064500", "/rdap/autnum/", "/rdap/nonsense/1", "/rdap/", "/rdap", "/rdap?x=1"})
      check_error(rdap(s, t), 400, t);
    for (auto t : {"/rdap/domain/example.com", "/rdap/entity/X", "/rdap/nameservers?ip=1.2.3.4"})
      check_error(rdap(s, t), 501, t);
    check_error(rdap(s, "/rdap/ip/41.0.0.1", "POST"), 405, "POST");
    auto help = rdap(s, "/rdap/help");
    CHECK(help.status == 200);
    CHECK(has(help.body["rdapConformance"], "rdap_level_0"));
    CHECK(!help.body["notices"].empty());
    auto help_slash = rdap(s, "/rdap/help/");
    CHECK(help_slash.status == 200);
    CHECK(help_slash.body == help.body);
  }

  {
    INFO("HEAD is answered like GET without a body; every answer allows any origin (RFC 7480 4.1, 5.6)");
    // Raw exchanges, since a client library may hide a body sent to HEAD.
    auto exchange = [&](const std::string& method, const std::string& target) {
      std::string reply = tcp_exchange(s.port, method + " " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      auto end = reply.find("\r\n\r\n");
      REQUIRE_MESSAGE(end != std::string::npos, reply);
      std::string head = reply.substr(0, end + 2);
      for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return std::pair{head, reply.substr(end + 4)};
    };
    const auto [get_head, get_body] = exchange("GET", "/rdap/ip/41.0.1.1");
    const auto [head_head, head_body] = exchange("HEAD", "/rdap/ip/41.0.1.1");
    CHECK(get_head.rfind("http/1.1 200", 0) == 0);
    CHECK(!get_body.empty());
    CHECK(head_head.rfind("http/1.1 200", 0) == 0);
    CHECK(head_head.find("\r\ncontent-type: application/rdap+json\r\n") != std::string::npos);
    CHECK(head_body.empty());
    CHECK(get_head.find("\r\naccess-control-allow-origin: *\r\n") != std::string::npos);
    CHECK(head_head.find("\r\naccess-control-allow-origin: *\r\n") != std::string::npos);
    // Help does not change with the ledger height, so HEAD must give exactly GET's length.
    const auto [help_get, help_get_body] = exchange("GET", "/rdap/help");
    const auto [help_head, help_head_body] = exchange("HEAD", "/rdap/help");
    REQUIRE(!help_get_body.empty());
    CHECK(help_head_body.empty());
    CHECK(help_head.find("\r\ncontent-length: " + std::to_string(help_get_body.size()) + "\r\n") !=
          std::string::npos);
    const auto [miss_head, miss_body] = exchange("GET", "/rdap/ip/192.0.2.1");
    CHECK(miss_head.rfind("http/1.1 404", 0) == 0);
    CHECK(miss_head.find("\r\naccess-control-allow-origin: *\r\n") != std::string::npos);
    const auto [head_miss, head_miss_body] = exchange("HEAD", "/rdap/ip/192.0.2.1");
    CHECK(head_miss.rfind("http/1.1 404", 0) == 0);
    CHECK(head_miss_body.empty());
    const auto [post_head, post_body] = exchange("POST", "/rdap/help");
    CHECK(post_head.rfind("http/1.1 405", 0) == 0);
    CHECK(post_head.find("\r\nallow: get, head\r\n") != std::string::npos);
    CHECK(post_head.find("\r\naccess-control-allow-origin: *\r\n") != std::string::npos);
    // The rest of the API is not RDAP: no CORS header there.
    const auto [api_head, api_body] = exchange("GET", "/api/v1/nonsense");
    CHECK(api_head.find("access-control-allow-origin") == std::string::npos);
  }

  {
    INFO("hostile bytes get valid UTF-8 JSON errors, and the node keeps answering");
    for (auto t : {"/rdap/ip/%ff%fe", "/rdap/autnum/%c3%28", "/rdap/ip/41.0.0.1%00", "/rdap/ip/41.0.0.1%0d%0aX:%20y",
                   "/rdap/ip/%e2%82", "/rdap/autnum/AS%ff"}) {
      auto a = rdap(s, t);
      check_error(a, 400, t);
      for (const auto& d : a.body["description"])
        for (unsigned char c : d.get<std::string>()) CHECK(c >= 0x20);  // no control bytes echoed back
    }
    const std::string long_path = "/rdap/ip/" + std::string(4000, '1');
    check_error(rdap(s, long_path), 400, "long path");
    // Raw bytes that are neither ASCII nor percent-encoded, and a hostile Host header.
    for (std::string raw : {std::string("GET /rdap/ip/\xff\xfe\x80 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
                            std::string("GET /rdap/ip/41.0.0.1 HTTP/1.1\r\nHost: \"><\xff\r\nConnection: close\r\n\r\n")}) {
      std::string reply = tcp_exchange(s.port, raw);
      CAPTURE(reply);
      REQUIRE(reply.rfind("HTTP/1.1 ", 0) == 0);
      auto body_at = reply.find("\r\n\r\n");
      REQUIRE(body_at != std::string::npos);
      json body = json::parse(reply.substr(body_at + 4), nullptr, false);
      CHECK(!body.is_discarded());
      if (reply.rfind("HTTP/1.1 200", 0) == 0)  // the bad Host only makes the links relative
        CHECK(body["links"][0]["href"] == "/rdap/ip/41.0.0.1");
    }
    auto after = rdap(s, "/rdap/ip/41.0.1.1");
    CHECK(after.status == 200);
    CHECK(after.body["handle"] == handle(id_bob24));
  }
}
