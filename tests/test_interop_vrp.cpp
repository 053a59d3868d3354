// VRP formats against the real thing: Routinator's json output for the
// AFRINIC trust anchor must parse and format back to the same bytes; csv
// round trips; broken inputs get errors that name the entry or line; and
// `numledger export vrps` turns a running node's authorizations into both.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "ledger/interop/vrp.h"
#include "support/node_fixture.h"
#include "support/process.h"

using namespace nl;
using namespace nl::ledger;
using namespace nl::test;

namespace {

const std::string kRealVrps = NL_SOURCE_DIR "/../shared/data/vrps-afrinic-20240101.json";

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

std::string json_error(const std::string& text) {
  auto r = parse_vrps_json(text);
  REQUIRE_FALSE(r.ok());
  return r.error();
}

std::string csv_error(const std::string& text) {
  auto r = parse_vrps_csv(text);
  REQUIRE_FALSE(r.ok());
  return r.error();
}

std::string one_roa(const std::string& fields) { return R"({"roas": [)" + fields + "]}"; }

Vrp vrp(uint32_t asn, const char* prefix, uint8_t max_length, const char* ta = "numledger") {
  return Vrp{asn, Resource::parse(prefix).value(), max_length, ta};
}

}  // namespace

TEST_CASE("vrp json: the real Routinator file formats back to identical bytes") {
  std::string original = slurp(kRealVrps);
  REQUIRE_MESSAGE(original.size() > 800000, "missing " << kRealVrps);
  auto vrps = parse_vrps_json(original);
  REQUIRE_MESSAGE(vrps.ok(), vrps.error());
  CHECK(vrps->size() == 9760);
  CHECK(vrps->front() == vrp(36994, "41.0.0.0/16", 24, "afrinic"));
  CHECK(vrps->back() == vrp(37105, "2c0f:ffd8::/32", 32, "afrinic"));

  // Routinator's own order: formatting sorts, and the bytes still match.
  CHECK(std::is_sorted(vrps->begin(), vrps->end(), routinator_order));
  auto generated = nlohmann::json::parse(original)["metadata"]["generated"].get<uint64_t>();
  std::string again = format_vrps_json(*vrps, generated);
  CHECK(again.size() == original.size());
  CHECK(again == original);
  CHECK(again.find("\"generatedTime\": \"2024-01-01T05:03:25Z\"") != std::string::npos);

  // Any input order gives the same output.
  std::vector<Vrp> reversed(vrps->rbegin(), vrps->rend());
  CHECK(format_vrps_json(reversed, generated) == original);
}

TEST_CASE("vrp csv: Routinator's header and rows, and a lossless round trip") {
  auto vrps = parse_vrps_json(slurp(kRealVrps));
  REQUIRE(vrps.ok());
  std::string csv = format_vrps_csv(*vrps);
  CHECK(csv.rfind("ASN,IP Prefix,Max Length,Trust Anchor\nAS36994,41.0.0.0/16,24,afrinic\n", 0) == 0);
  CHECK(csv.size() > 9760 * 20);
  const std::string last_row = "\nAS37105,2c0f:ffd8::/32,32,afrinic\n";
  CHECK(csv.substr(csv.size() - last_row.size()) == last_row);
  auto back = parse_vrps_csv(csv);
  REQUIRE_MESSAGE(back.ok(), back.error());
  CHECK(*back == *vrps);
  CHECK(format_vrps_csv(*back) == csv);
  // parse_vrps picks the format by itself; CRLF line ends are accepted.
  auto any = parse_vrps(csv);
  REQUIRE(any.ok());
  CHECK(any->size() == 9760);
  auto crlf = parse_vrps("ASN,IP Prefix,Max Length,Trust Anchor\r\nAS1,10.0.0.0/8,16,x\r\n");
  REQUIRE(crlf.ok());
  CHECK(crlf->at(0) == vrp(1, "10.0.0.0/8", 16, "x"));
  auto json_any = parse_vrps("  \n" + format_vrps_json({vrp(5, "2001:db8::/32", 48)}, 0));
  REQUIRE(json_any.ok());
  CHECK(json_any->at(0) == vrp(5, "2001:db8::/32", 48));
}

TEST_CASE("vrp formats: emitted order and empty sets") {
  std::vector<Vrp> v = {vrp(3, "2001:db8::/32", 48), vrp(2, "10.0.0.0/16", 24), vrp(1, "10.0.0.0/24", 24),
                        vrp(1, "10.0.0.0/16", 16), vrp(2, "10.0.0.0/16", 16), vrp(9, "9.0.0.0/8", 8)};
  std::string csv = format_vrps_csv(v);
  CHECK(csv ==
        "ASN,IP Prefix,Max Length,Trust Anchor\n"
        "AS9,9.0.0.0/8,8,numledger\n"
        "AS1,10.0.0.0/24,24,numledger\n"  // ends first: more specific comes first
        "AS1,10.0.0.0/16,16,numledger\n"  // same prefix: maxLength, then ASN
        "AS2,10.0.0.0/16,16,numledger\n"
        "AS2,10.0.0.0/16,24,numledger\n"
        "AS3,2001:db8::/32,48,numledger\n");
  CHECK(format_vrps_json({}, 0) ==
        "{\n  \"metadata\": {\n    \"generated\": 0,\n    \"generatedTime\": \"1970-01-01T00:00:00Z\"\n  }\n,\n"
        "  \"roas\": [\n\n  ],\n  \"routerKeys\": [\n\n  ],\n  \"aspas\": [\n\n  ]\n}\n");
  CHECK(parse_vrps_json(format_vrps_json({}, 0))->empty());
  CHECK(format_vrps_csv({}) == "ASN,IP Prefix,Max Length,Trust Anchor\n");
  // rpki-client writes the ASN as a bare number.
  auto rc = parse_vrps_json(one_roa(R"({"asn": 13335, "prefix": "1.0.0.0/24", "maxLength": 24, "ta": "apnic"})"));
  REQUIRE(rc.ok());
  CHECK(rc->at(0) == vrp(13335, "1.0.0.0/24", 24, "apnic"));
}

TEST_CASE("vrp json: malformed input gets an error naming the entry") {
  const std::string good = R"({"asn": "AS1", "prefix": "10.0.0.0/8", "maxLength": 8, "ta": "t"})";
  CHECK(contains(json_error("{\"roas\": [" + good + ","), "not valid JSON"));
  CHECK(contains(json_error("[]"), "must be an object"));
  CHECK(contains(json_error("{\"metadata\": {}}"), "no \"roas\" array"));
  CHECK(contains(json_error(one_roa(good + ", 7")), "roas[1]: is not an object"));
  std::string e = json_error(one_roa(good + R"(, {"asn": "AS2", "prefix": "10.0.0.1/8", "maxLength": 8, "ta": "t"})"));
  CHECK(contains(e, "roas[1]"));
  CHECK(contains(e, "host bits set"));
  CHECK(contains(json_error(one_roa(R"({"asn": "AS1", "prefix": "10.0.0.0-10.0.0.9", "maxLength": 8, "ta": "t"})")),
                 "roas[0]: prefix '10.0.0.0-10.0.0.9' is not in ADDRESS/LENGTH form"));
  CHECK(contains(json_error(one_roa(R"({"asn": "AS1", "prefix": "10.0.0.0/8", "maxLength": 7, "ta": "t"})")),
                 "maxLength 7 is outside 8-32 for 10.0.0.0/8"));
  CHECK(contains(json_error(one_roa(R"({"asn": "AS1", "prefix": "2001:db8::/32", "maxLength": 129, "ta": "t"})")),
                 "maxLength 129 is outside 32-128"));
  CHECK(contains(json_error(one_roa(R"({"asn": "AS1", "prefix": "10.0.0.0/8", "maxLength": 8.5, "ta": "t"})")),
                 "not a whole number"));
  CHECK(contains(json_error(one_roa(R"({"asn": "64496", "prefix": "10.0.0.0/8", "maxLength": 8, "ta": "t"})")),
                 "asn '64496' is not an AS number"));
  CHECK(contains(json_error(one_roa(R"({"asn": "AS4294967296", "prefix": "10.0.0.0/8", "maxLength": 8, "ta": "t"})")),
                 "above AS4294967295"));
  CHECK(contains(json_error(one_roa(R"({"asn": -1, "prefix": "10.0.0.0/8", "maxLength": 8, "ta": "t"})")),
                 "is not an AS number"));
  CHECK(contains(json_error(one_roa(R"({"asn": "AS1", "prefix": "AS5/8", "maxLength": 8, "ta": "t"})")), "roas[0]"));
  CHECK(contains(json_error(one_roa(R"({"asn": "AS1", "maxLength": 8, "ta": "t"})")), "has no \"prefix\""));
  CHECK(contains(json_error(one_roa(R"({"asn": "AS1", "prefix": "10.0.0.0/8", "maxLength": 8, "ta": "a,b"})")),
                 "trust anchor name 'a,b'"));
  CHECK(contains(json_error(one_roa(R"({"asn": "AS1", "prefix": "10.0.0.0/8", "maxLength": 8, "ta": ""})")),
                 "trust anchor name is empty"));
  // Deep nesting and invalid UTF-8 are refused, not crashed on.
  CHECK(contains(json_error(std::string(100000, '[') + std::string(100000, ']')), "must be an object"));
  CHECK(contains(json_error("{\"roas\": [\"\xff\xfe\"]}"), "not valid JSON"));
}

TEST_CASE("vrp csv: malformed input gets an error naming the line") {
  const std::string h = "ASN,IP Prefix,Max Length,Trust Anchor\n";
  CHECK(contains(csv_error(""), "empty"));
  CHECK(contains(csv_error("ASN,Prefix\n"), "line 1: expected the header"));
  CHECK(contains(csv_error(h + "AS1,10.0.0.0/8,8,t\nAS1,10.0.0.0/8,8\n"), "line 3: expected 4 fields"));
  CHECK(contains(csv_error(h + "AS1,10.0.0.0/8,8,t,extra\n"), "line 2: more than 4 fields"));
  CHECK(contains(csv_error(h + "\nAS1,10.0.0.0/8,x,t\n"), "line 3: max length 'x' is not a whole number"));
  CHECK(contains(csv_error(h + "AS1,10.0.0.0/8,99999,t\n"), "line 2: max length '99999'"));
  CHECK(contains(csv_error(h + "AS1,10.0.0.0/8,33,t\n"), "line 2: maxLength 33 is outside 8-32"));
  CHECK(contains(csv_error(h + "ASx,10.0.0.0/8,8,t\n"), "line 2: asn 'ASx'"));
  CHECK(contains(csv_error(h + "AS01,10.0.0.0/8,8,t\n"), "line 2: asn 'AS01'"));
  CHECK(contains(csv_error(h + "AS1,300.0.0.0/8,8,t\n"), "line 2: prefix"));
  CHECK(contains(csv_error(h + "AS1,10.0.0.0/8,8,\n"), "line 2: trust anchor name is empty"));
  CHECK(contains(csv_error(h + "AS1,10.0.0.0/8,8,t\xff\n"), "line 2: trust anchor name"));
  CHECK(contains(csv_error(std::string("\0\1\2", 3)), "line 1: expected the header"));
}

TEST_CASE("vrp files read entry by entry: a bad entry is reported, the good ones are kept") {
  const std::string good = R"({"asn": "AS1", "prefix": "10.0.0.0/24", "maxLength": 24, "ta": "t"})";
  const std::string short_ml = R"({"asn": "AS2", "prefix": "10.0.1.0/24", "maxLength": 23, "ta": "t"})";
  auto j = read_vrps_json(one_roa(good + ", " + short_ml + ", 7, " + good));
  REQUIRE_MESSAGE(j.ok(), j.error());
  CHECK(j->json);
  CHECK(j->vrps == std::vector<Vrp>{vrp(1, "10.0.0.0/24", 24, "t"), vrp(1, "10.0.0.0/24", 24, "t")});
  CHECK(j->positions == std::vector<uint64_t>{1, 4});
  REQUIRE(j->bad.size() == 2);
  CHECK(j->bad[0].position == 2);
  CHECK(contains(j->bad[0].detail, "roas[1]: maxLength 23 is outside 24-32 for 10.0.1.0/24"));
  CHECK(j->bad[1].position == 3);
  CHECK(contains(j->bad[1].detail, "roas[2]: is not an object"));
  // The strict form still refuses the whole text, naming the first bad entry.
  CHECK(contains(json_error(one_roa(good + ", " + short_ml)), "roas[1]: maxLength 23"));

  const std::string h = "ASN,IP Prefix,Max Length,Trust Anchor\n";
  auto c = read_vrps(h + "AS1,10.0.0.0/24,24,t\nAS2,10.0.1.0/24,23,t\n\nASx,10.0.2.0/24,24,t\nAS3,10.0.3.0/24,24,t\n");
  REQUIRE_MESSAGE(c.ok(), c.error());
  CHECK_FALSE(c->json);
  CHECK(c->vrps == std::vector<Vrp>{vrp(1, "10.0.0.0/24", 24, "t"), vrp(3, "10.0.3.0/24", 24, "t")});
  CHECK(c->positions == std::vector<uint64_t>{2, 6});
  REQUIRE(c->bad.size() == 2);
  CHECK(c->bad[0].position == 3);
  CHECK(contains(c->bad[0].detail, "line 3: maxLength 23 is outside 24-32"));
  CHECK(c->bad[1].position == 5);
  CHECK(contains(c->bad[1].detail, "line 5: asn 'ASx'"));

  // What is not a VRP file at all is still one error for the whole text.
  CHECK_FALSE(read_vrps("{\"roas\": 5}").ok());
  CHECK_FALSE(read_vrps(std::string("\x7f" "ELF\0\1", 6)).ok());
}

TEST_CASE("vrp json read as a stream: only the top object's roas are entries, the last roas wins") {
  const std::string one = R"({"asn": "AS1", "prefix": "10.0.0.0/24", "maxLength": 24, "ta": "t"})";
  const std::string two = R"({"asn": "AS2", "prefix": "10.0.1.0/24", "maxLength": 24, "ta": "t"})";
  // Arrays and a "roas" key deeper down are not entries; an entry that is
  // an array is one bad entry, not its elements.
  auto j = read_vrps_json(R"({"metadata": {"roas": [)" + one + R"(], "list": [1, [2]]}, "roas": [[)" + one + "], " +
                          two + R"(], "after": [3]})");
  REQUIRE_MESSAGE(j.ok(), j.error());
  CHECK(j->vrps == std::vector<Vrp>{vrp(2, "10.0.1.0/24", 24, "t")});
  CHECK(j->positions == std::vector<uint64_t>{2});
  REQUIRE(j->bad.size() == 1);
  CHECK(j->bad[0].position == 1);
  CHECK(contains(j->bad[0].detail, "roas[0]: is not an object"));
  // A repeated key replaces the earlier value, as nlohmann's document does.
  auto twice = read_vrps_json(R"({"roas": [)" + one + R"(, 7], "roas": [)" + two + "]}");
  REQUIRE_MESSAGE(twice.ok(), twice.error());
  CHECK(twice->vrps == std::vector<Vrp>{vrp(2, "10.0.1.0/24", 24, "t")});
  CHECK(twice->positions == std::vector<uint64_t>{1});
  CHECK(twice->bad.empty());
  CHECK(contains(json_error(R"({"roas": [)" + one + R"(], "roas": {}})"), "no \"roas\" array"));
}

TEST_CASE("numledger export vrps: a running node's authorizations as json and csv") {
  NodeFixture n;
  n.start();
  n.roa("authorize", "10.1.0.0/16", "AS64496", 24);
  n.roa("authorize", "2001:db8:100::/40", "AS64497", 48);
  n.roa("authorize", "10.1.0.0/24", "AS64500", 24);

  auto r = n.cli({"export", "vrps", "--format", "json", "--out", n.dir / "v.json"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  std::string json_text = slurp(n.dir / "v.json");
  auto parsed = parse_vrps_json(json_text);
  REQUIRE_MESSAGE(parsed.ok(), parsed.error());
  std::vector<Vrp> expected = {vrp(64500, "10.1.0.0/24", 24), vrp(64496, "10.1.0.0/16", 24),
                               vrp(64497, "2001:db8:100::/40", 48)};
  CHECK(*parsed == expected);
  // "generated" is the time of the block the export was read at: exporting
  // the same height twice gives the same bytes.
  auto generated = nlohmann::json::parse(json_text)["metadata"]["generated"].get<uint64_t>();
  CHECK(generated >= 1700000000);
  CHECK(json_text == format_vrps_json(expected, generated));

  r = n.cli({"export", "vrps", "--format", "csv", "--ta", "testnet"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(r.out ==
        "ASN,IP Prefix,Max Length,Trust Anchor\n"
        "AS64500,10.1.0.0/24,24,testnet\n"
        "AS64496,10.1.0.0/16,24,testnet\n"
        "AS64497,2001:db8:100::/40,48,testnet\n");

  // A withdrawal disappears from the next export.
  n.roa("withdraw", "10.1.0.0/24", "AS64500", 24);
  r = n.cli({"export", "vrps", "--format", "csv"});
  REQUIRE(r.code == 0);
  CHECK_FALSE(contains(r.out, "AS64500"));
  CHECK(contains(r.out, "AS64496,10.1.0.0/16,24,numledger\n"));

  // Usage and reachability errors.
  r = n.cli({"export", "vrps", "--format", "xml"});
  CHECK(r.code == 2);
  r = n.cli({"export", "vrps", "--format", "csv", "--ta", "a,b"});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "trust anchor"));
  r = n.cli({"export", "vrps", "--format", "csv", "--node", "http://127.0.0.1:" + std::to_string(free_port())});
  CHECK(r.code == 1);
  CHECK(contains(r.err, "numledger:"));
}
