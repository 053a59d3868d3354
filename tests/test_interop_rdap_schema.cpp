// RDAP conformance: real answers of a numledgerd (ip network v4 and v6,
// autnum, the embedded entities, errors 400/404/405/501 and help) validate
// against a JSON Schema of RDAP responses written from RFC 9083
// (tests/data/rdap-schema), with Debian's python3-jsonschema. Broken
// copies of real answers must fail it, so the schema can fail.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/registry_story.h"

using namespace nl::test;
using nlohmann::json;

namespace {

const std::string kSchema = std::string(NL_SOURCE_DIR) + "/tests/data/rdap-schema/rdap-response.json";
const std::string kValidator = std::string(NL_SOURCE_DIR) + "/tests/tools/rdap_validate.py";

json fetch(RegistryStory& s, const std::string& target, unsigned want, const std::string& method = "GET") {
  auto r = nl::node::http_request(s.url, method, target, "", std::chrono::seconds(10));
  REQUIRE_MESSAGE(r.ok(), target);
  CHECK_MESSAGE(r->status == want, target << ": " << r->body);
  json body = json::parse(r->body, nullptr, false);
  REQUIRE_MESSAGE(!body.is_discarded(), target << ": " << r->body);
  return body;
}

std::string write(const TempDir& dir, const std::string& name, const json& j) {
  const std::string path = dir / (name + ".json");
  std::ofstream(path) << j.dump(2);
  return path;
}

RunResult validate(const std::vector<std::string>& files) {
  std::vector<std::string> args{"/usr/bin/python3", kValidator, kSchema};
  args.insert(args.end(), files.begin(), files.end());
  return run(args);
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("RDAP answers validate against a JSON Schema of RFC 9083, and broken ones do not") {
  REQUIRE_MESSAGE(run({"/usr/bin/python3", "-c", "import jsonschema"}).code == 0,
                  "python3-jsonschema is missing: apt-get install python3-jsonschema (scripts/install-deps.sh does)");
  RegistryStory s;
  s.build();
  TempDir out("nl-rdap-schema");

  std::map<std::string, json> good{
      {"ip-v4-split-with-abuse", fetch(s, "/rdap/ip/41.0.0.0/23", 200)},
      {"ip-v4-assignment", fetch(s, "/rdap/ip/41.0.1.77", 200)},
      {"ip-v4-lease", fetch(s, "/rdap/ip/41.1.2.3", 200)},
      {"ip-v4-root", fetch(s, "/rdap/ip/41.200.0.0/16", 200)},
      {"ip-v6", fetch(s, "/rdap/ip/2001:db8:1234::1", 200)},
      {"autnum", fetch(s, "/rdap/autnum/64500", 200)},
      {"autnum-block", fetch(s, "/rdap/autnum/AS64497", 200)},
      {"help", fetch(s, "/rdap/help", 200)},
      {"error-404", fetch(s, "/rdap/ip/192.0.2.1", 404)},
      {"error-400", fetch(s, "/rdap/ip/999.1.1.1", 400)},
      {"error-501", fetch(s, "/rdap/entity/X", 501)},
      {"error-405", fetch(s, "/rdap/ip/41.0.0.1", 405, "POST")},
  };
  // The answers hold what the schema checks in depth.
  REQUIRE(good["ip-v4-split-with-abuse"]["entities"].size() == 2);
  REQUIRE(good["ip-v4-split-with-abuse"]["entities"][1].contains("vcardArray"));
  REQUIRE(good["ip-v4-lease"]["events"].size() == 4);

  std::vector<std::string> files;
  for (const auto& [name, j] : good) files.push_back(write(out, name, j));
  auto r = validate(files);
  INFO(r.out, r.err);
  CHECK(r.code == 0);
  CHECK(count(r.out, ": ok\n") == good.size());

  // Broken copies of real answers, one fault each, the way a server could get it wrong.
  const json ip = good["ip-v4-split-with-abuse"];
  std::map<std::string, json> broken;
  auto breaks = [&](const std::string& name, auto edit, const json& from) {
    json j = from;
    edit(j);
    broken[name] = j;
  };
  breaks("no-conformance", [](json& j) { j.erase("rdapConformance"); }, ip);
  breaks("conformance-without-level-0", [](json& j) { j["rdapConformance"] = json::array({"cidr0"}); }, ip);
  breaks("event-date-not-rfc3339", [](json& j) { j["events"][0]["eventDate"] = "2024-01-01 00:00:00"; }, ip);
  breaks("event-date-unix-seconds", [](json& j) { j["events"][0]["eventDate"] = 1704067200; }, ip);
  breaks("event-without-action", [](json& j) { j["events"][0].erase("eventAction"); }, ip);
  breaks("unregistered-event-action", [](json& j) { j["events"][0]["eventAction"] = "imported"; }, ip);
  breaks("link-without-rel", [](json& j) { j["links"][0].erase("rel"); }, ip);
  breaks("notice-description-a-string", [](json& j) { j["notices"][0]["description"] = "text"; }, ip);
  breaks("unknown-member", [](json& j) { j["registeredOn"] = "2024-01-01"; }, ip);
  breaks("ip-version-v5", [](json& j) { j["ipVersion"] = "v5"; }, ip);
  breaks("v4-with-v6-address", [](json& j) { j["startAddress"] = "2001:db8::"; }, ip);
  breaks("country-lowercase", [](json& j) { j["country"] = "za"; }, ip);
  breaks("no-start-address", [](json& j) { j.erase("startAddress"); }, ip);
  breaks("role-unknown", [](json& j) { j["entities"][0]["roles"] = json::array({"owner"}); }, ip);
  breaks("vcard-without-version", [](json& j) { j["entities"][1]["vcardArray"][1].erase(0); }, ip);
  breaks("vcard-property-short", [](json& j) { j["entities"][1]["vcardArray"][1][1] = json::array({"fn", "x"}); }, ip);
  breaks("status-unregistered", [](json& j) { j["status"] = json::array({"allocated"}); }, ip);
  breaks("autnum-as-string", [](json& j) { j["startAutnum"] = "64500"; }, good["autnum"]);
  breaks("error-without-code", [](json& j) { j.erase("errorCode"); }, good["error-404"]);
  breaks("error-description-string", [](json& j) { j["description"] = "not found"; }, good["error-404"]);
  breaks("help-without-notices", [](json& j) { j.erase("notices"); }, good["help"]);
  // The unregistered-default mistake this node used to make: an
  // "allocation" answer to a query nothing registered covers is still
  // valid RDAP, which is why the 404 is tested on its own
  // (test_interop_rdap_imported.cpp), not here.

  std::vector<std::string> broken_files;
  for (const auto& [name, j] : broken) broken_files.push_back(write(out, "broken-" + name, j));
  auto b = validate(broken_files);
  INFO(b.out, b.err);
  CHECK(b.code == 1);
  for (const auto& [name, j] : broken) {
    CAPTURE(name);
    CHECK(b.out.find("broken-" + name + ".json: INVALID") != std::string::npos);
  }
  CHECK(count(b.out, ": ok\n") == 0);
}
