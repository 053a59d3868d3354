// SLURM (RFC 8416): the reader's acceptance of the RFC's own example, each
// refusal with its file:line:column message, and the transform (filters,
// then assertions) against a brute-force reference on random data.
#include <doctest/doctest.h>

#include <fstream>
#include <random>
#include <string>

#include "ledger/interop/json_positions.h"
#include "ledger/interop/slurm.h"
#include "ledger/interop/slurm_parse.h"
#include "node/rtr/slurm_exceptions.h"
#include "support/process.h"

using namespace nl;
using namespace nl::ledger;

namespace {

Resource res(const std::string& text) { return Resource::parse(text).value(); }

// A SLURM file with each array's entries on one line: prefixFilters on line
// 4, bgpsecFilters on 5, prefixAssertions on 8, bgpsecAssertions on 9.
std::string file(const std::string& prefix_filters, const std::string& prefix_assertions = "",
                 const std::string& bgpsec_filters = "", const std::string& bgpsec_assertions = "") {
  return "{\n"
         "  \"slurmVersion\": 1,\n"
         "  \"validationOutputFilters\": {\n"
         "    \"prefixFilters\": [" + prefix_filters + "],\n"
         "    \"bgpsecFilters\": [" + bgpsec_filters + "]\n"
         "  },\n"
         "  \"locallyAddedAssertions\": {\n"
         "    \"prefixAssertions\": [" + prefix_assertions + "],\n"
         "    \"bgpsecAssertions\": [" + bgpsec_assertions + "]\n"
         "  }\n"
         "}\n";
}

std::string refusal(const std::string& text) {
  auto r = parse_slurm(text, "slurm.json");
  REQUIRE_MESSAGE(!r.ok(), "accepted:\n" << text);
  return r.error();
}

Slurm accepted(const std::string& text) {
  auto r = parse_slurm(text, "slurm.json");
  REQUIRE_MESSAGE(r.ok(), r.error());
  return *r;
}

// RFC 8416 §3.5, verbatim (its BGPsec keys are placeholders).
const char* kRfcExample = R"({
  "slurmVersion": 1,
  "validationOutputFilters": {
    "prefixFilters": [
      {
        "prefix": "192.0.2.0/24",
        "comment": "All VRPs encompassed by prefix"
      },
      {
        "asn": 64496,
        "comment": "All VRPs matching ASN"
      },
      {
        "prefix": "198.51.100.0/24",
        "asn": 64497,
        "comment": "All VRPs encompassed by prefix, matching ASN"
      }
    ],
    "bgpsecFilters": [
      {
        "asn": 64496,
        "comment": "All keys for ASN"
      },
      {
        "SKI": "Zm9v",
        "comment": "Key matching Router SKI"
      },
      {
        "asn": 64497,
        "SKI": "YmFy",
        "comment": "Key for ASN 64497 matching Router SKI"
      }
    ]
  },
  "locallyAddedAssertions": {
    "prefixAssertions": [
      {
        "asn": 64496,
        "prefix": "198.51.100.0/24",
        "comment": "My other important route"
      },
      {
        "asn": 64496,
        "prefix": "2001:DB8::/32",
        "maxPrefixLength": 48,
        "comment": "My other important de-aggregated routes"
      }
    ],
    "bgpsecAssertions": [
      {
        "asn": 64496,
        "comment" : "My known key for my important ASN",
        "SKI": "<some base64 SKI>",
        "routerPublicKey": "<some base64 public key>"
      }
    ]
  }
}
)";

struct TestVrp {
  Resource prefix;
  uint8_t max_length = 0;
  uint32_t asn = 0;
  auto operator<=>(const TestVrp&) const = default;
};

TestVrp vrp(const std::string& prefix, int max_length, uint32_t asn) {
  return {res(prefix), static_cast<uint8_t>(max_length), asn};
}

std::vector<TestVrp> filtered_then_added(const Slurm& s, std::vector<TestVrp> in) {
  auto out = apply_slurm(s, std::move(in), [](const SlurmPrefixAssertion& a) {
    return TestVrp{a.prefix, a.max_length, a.asn};
  });
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("slurm: the example of RFC 8416 is read as written") {
  Slurm s = accepted(kRfcExample);
  REQUIRE(s.prefix_filters.size() == 3);
  CHECK(s.prefix_filters[0] == SlurmPrefixFilter{res("192.0.2.0/24"), std::nullopt, "All VRPs encompassed by prefix"});
  CHECK(s.prefix_filters[1] == SlurmPrefixFilter{std::nullopt, 64496u, "All VRPs matching ASN"});
  CHECK(s.prefix_filters[2].prefix == res("198.51.100.0/24"));
  CHECK(s.prefix_filters[2].asn == 64497u);
  REQUIRE(s.prefix_assertions.size() == 2);
  // Without maxPrefixLength the assertion covers the prefix itself only.
  CHECK(s.prefix_assertions[0] == SlurmPrefixAssertion{res("198.51.100.0/24"), 24, 64496, "My other important route"});
  CHECK(s.prefix_assertions[1].prefix == res("2001:db8::/32"));
  CHECK(s.prefix_assertions[1].max_length == 48);
  CHECK(s.bgpsec_filters == 3);
  CHECK(s.bgpsec_assertions == 1);
  CHECK(describe(s) == "3 prefix filters, 2 prefix assertions (4 BGPsec entries ignored: this cache serves no router "
                       "keys)");
  CHECK(describe(accepted(file(""))) == "0 prefix filters, 0 prefix assertions");
}

TEST_CASE("slurm: each refusal names the line, the column, the entry and the reason") {
  // Shape of the file (RFC 8416 §3.2-§3.4).
  CHECK(refusal("[]") == "slurm.json:1:1: a SLURM file is one JSON object (RFC 8416 §3.2)");
  CHECK(refusal("{\"slurmVersion\": 1, \"validationOutputFilters\": {\"prefixFilters\": [], \"bgpsecFilters\": []}}") ==
        "slurm.json:1:1: missing member \"locallyAddedAssertions\"; needs \"slurmVersion\", "
        "\"validationOutputFilters\", \"locallyAddedAssertions\"");
  std::string extra = file("");
  extra.insert(extra.find("\"slurmVersion\""), "\"comment\": \"x\",\n  ");
  CHECK(refusal(extra) == "slurm.json:2:3: unknown member \"comment\": the top level has \"slurmVersion\", "
                          "\"validationOutputFilters\" and \"locallyAddedAssertions\" (RFC 8416 §3.2)");
  std::string v2 = file("");
  v2.replace(v2.find("1,"), 1, "2");
  CHECK(refusal(v2) == "slurm.json:2:3: slurmVersion 2 is not 1, the only version (RFC 8416 §3.2)");
  std::string no_bgpsec = file("");
  const std::string bgpsec_line = ",\n    \"bgpsecFilters\": []";
  no_bgpsec.erase(no_bgpsec.find(bgpsec_line), bgpsec_line.size());
  CHECK(refusal(no_bgpsec) ==
        "slurm.json:3:3: validationOutputFilters: missing member \"bgpsecFilters\"; needs \"prefixFilters\", "
        "\"bgpsecFilters\"");
  std::string not_array = file("");
  not_array.replace(not_array.find("[],\n    \"bgpsecFilters\""), 2, "{}");
  CHECK(refusal(not_array) == "slurm.json:4:5: prefixFilters: is not an array");

  // Prefix filters (§3.3.1).
  CHECK(refusal(file("{\"comment\": \"nothing to match\"}")) ==
        "slurm.json:4:23: prefixFilters[0]: a prefix filter needs \"prefix\" or \"asn\" or both (RFC 8416 §3.3.1)");
  CHECK(refusal(file("{\"asn\": 1}, {\"prefix\": \"10.0.0.0/8\", \"maxPrefixLength\": 24}")) ==
        "slurm.json:4:60: prefixFilters[1]: unknown member \"maxPrefixLength\": a prefix filter has \"prefix\", "
        "\"asn\" and \"comment\" (RFC 8416 §3.3.1)");
  const std::string host_bits = refusal(file("{\"prefix\": \"10.0.0.1/8\"}"));
  CHECK(host_bits.starts_with("slurm.json:4:24: prefixFilters[0]: prefix "));
  CHECK(host_bits.find("host bits") != std::string::npos);
  CHECK(refusal(file("{\"prefix\": \"10.0.0.0\"}")) ==
        "slurm.json:4:24: prefixFilters[0]: prefix \"10.0.0.0\" is not in ADDRESS/LENGTH form");
  CHECK(refusal(file("{\"prefix\": \"AS1/8\"}")).starts_with("slurm.json:4:24: prefixFilters[0]: prefix "));
  CHECK(refusal(file("{\"prefix\": 10}")) ==
        "slurm.json:4:24: prefixFilters[0]: prefix is 10, not a string like \"192.0.2.0/24\"");
  CHECK(refusal(file("{\"asn\": \"AS64496\"}")) ==
        "slurm.json:4:24: prefixFilters[0]: asn is \"AS64496\", not a whole number in 0-4294967295");
  CHECK(refusal(file("{\"asn\": 4294967296}")) ==
        "slurm.json:4:24: prefixFilters[0]: asn is 4294967296, not a whole number in 0-4294967295");
  CHECK(refusal(file("{\"asn\": -1}")) ==
        "slurm.json:4:24: prefixFilters[0]: asn is -1, not a whole number in 0-4294967295");
  CHECK(refusal(file("{\"asn\": 1, \"comment\": 5}")) ==
        "slurm.json:4:34: prefixFilters[0]: comment is 5, not a string");
  CHECK(refusal(file("7")) == "slurm.json:4:5: prefixFilters[0]: is not an object; a prefix filter has \"prefix\", "
                              "\"asn\" and \"comment\" (RFC 8416 §3.3.1)");

  // Prefix assertions (§3.4.1): maxPrefixLength within prefix length..32/128.
  CHECK(refusal(file("", "{\"prefix\": \"10.0.0.0/24\", \"asn\": 1, \"maxPrefixLength\": 20}")) ==
        "slurm.json:8:62: prefixAssertions[0]: maxPrefixLength 20 is shorter than the prefix length 24");
  CHECK(refusal(file("", "{\"prefix\": \"10.0.0.0/24\", \"asn\": 1, \"maxPrefixLength\": 33}")) ==
        "slurm.json:8:62: prefixAssertions[0]: maxPrefixLength 33 is longer than 32, the length of an ipv4 address");
  CHECK(refusal(file("", "{\"prefix\": \"2001:db8::/32\", \"asn\": 1, \"maxPrefixLength\": 129}")) ==
        "slurm.json:8:64: prefixAssertions[0]: maxPrefixLength 129 is longer than 128, the length of an ipv6 "
        "address");
  CHECK(refusal(file("", "{\"prefix\": \"10.0.0.0/24\", \"asn\": 1, \"maxPrefixLength\": 24.5}")) ==
        "slurm.json:8:62: prefixAssertions[0]: maxPrefixLength is 24.5, not a whole number in 0-255");
  CHECK(refusal(file("", "{\"prefix\": \"10.0.0.0/24\"}")) ==
        "slurm.json:8:26: prefixAssertions[0]: missing member \"asn\"; needs \"prefix\", \"asn\"");
  CHECK(refusal(file("", "{\"prefix\": \"10.0.0.0/24\", \"asn\": 1, \"maxLength\": 24}")) ==
        "slurm.json:8:62: prefixAssertions[0]: unknown member \"maxLength\": a prefix assertion has \"prefix\", "
        "\"asn\", \"maxPrefixLength\" and \"comment\" (RFC 8416 §3.4.1)");

  // BGPsec entries (§3.3.2, §3.4.2): checked for shape, then ignored.
  CHECK(refusal(file("", "", "{\"comment\": \"x\"}")) ==
        "slurm.json:5:23: bgpsecFilters[0]: a BGPsec filter needs \"asn\" or \"SKI\" or both (RFC 8416 §3.3.2)");
  CHECK(refusal(file("", "", "", "{\"asn\": 1, \"SKI\": \"Zm9v\"}")) ==
        "slurm.json:9:26: bgpsecAssertions[0]: missing member \"routerPublicKey\"; needs \"asn\", \"SKI\", "
        "\"routerPublicKey\"");
  CHECK(refusal(file("", "", "{\"SKI\": 12}")) ==
        "slurm.json:5:24: bgpsecFilters[0]: SKI is 12, not a base64url string");

  // JSON itself: syntax, duplicate names, depth.
  std::string broken = file("{\"asn\": 1,}");
  CHECK(refusal(broken).starts_with("slurm.json:4:33: not valid JSON: syntax error while parsing object key"));
  CHECK(refusal("").starts_with("slurm.json:1:1: not valid JSON: "));
  CHECK(refusal(file("{\"asn\": 1, \"asn\": 2}")) == "slurm.json:4:34: member \"asn\" appears twice in one object");
  std::string deep = file("");
  const std::string nest = std::string(20, '[') + std::string(20, ']');
  deep.insert(deep.find("\"slurmVersion\""), "\"x\": " + nest + ",\n  ");
  CHECK(refusal(deep) == "slurm.json:2:3: nested deeper than 16 levels");
  // Characters, not bytes, make the column.
  CHECK(refusal(file("{\"comment\": \"é\", \"asn\": \"x\"}")) ==
        "slurm.json:4:40: prefixFilters[0]: asn is \"x\", not a whole number in 0-4294967295");
}

TEST_CASE("slurm: the limits are enforced with their numbers") {
  std::string entries;
  for (size_t i = 0; i <= kMaxSlurmEntries; ++i) entries += (i ? ",{\"asn\":" : "{\"asn\":") + std::to_string(i) + "}";
  CHECK(refusal(file(entries)) == "slurm.json:4:5: prefixFilters: has 100001 entries; at most 100000");
  entries = entries.substr(0, entries.rfind(",{"));
  CHECK(accepted(file(entries)).prefix_filters.size() == kMaxSlurmEntries);

  std::string big = file("");
  big.append(kMaxSlurmFileBytes - big.size(), ' ');
  CHECK(accepted(big).prefix_filters.empty());
  big += ' ';
  CHECK(refusal(big) == "slurm.json: 16777217 bytes; a SLURM file may have at most 16 MiB");
}

TEST_CASE("slurm: positions of objects and member names in multi-line text") {
  const std::string text = "{\n  \"a\": [\n    {\"b\": 1},\n    {\n      \"c\": {\"d\": \"x{\\\"y\"}\n    }\n  ]\n}";
  auto doc = nlohmann::ordered_json::parse(text);
  JsonPositions pos(text, doc);
  CHECK(pos.of(doc).to_string() == "1:1");
  CHECK(pos.of(doc["a"]).to_string() == "2:3");
  CHECK(pos.of(doc["a"][0]).to_string() == "3:5");
  CHECK(pos.of(doc["a"][0]["b"]).to_string() == "3:6");
  CHECK(pos.of(doc["a"][1]).to_string() == "4:5");
  CHECK(pos.of(doc["a"][1]["c"]).to_string() == "5:7");
  CHECK(pos.of(doc["a"][1]["c"]["d"]).to_string() == "5:13");
  CHECK(position_at(text, text.find("\"c\"")).to_string() == "5:7");
}

TEST_CASE("slurm: filters remove what they cover, then assertions are added") {
  Slurm s = accepted(file(
      R"({"prefix": "10.0.0.0/8"}, {"asn": 64500}, {"prefix": "2001:db8::/32", "asn": 64501})",
      R"({"prefix": "10.9.0.0/16", "asn": 64502, "maxPrefixLength": 24}, {"prefix": "192.0.2.0/24", "asn": 64500})"));
  const std::vector<TestVrp> in = {
      vrp("10.0.0.0/8", 8, 1),            // equal to a filter prefix: out
      vrp("10.1.0.0/16", 24, 2),          // inside it: out
      vrp("0.0.0.0/0", 8, 3),             // covers the filter, not inside it: stays
      vrp("11.0.0.0/8", 8, 4),            // beside it: stays
      vrp("198.51.100.0/24", 24, 64500),  // the filtered origin: out
      vrp("2001:db8:1::/48", 48, 64501),  // prefix and origin both match: out
      vrp("2001:db8:1::/48", 48, 64502),  // prefix only: stays
      vrp("2001:db9::/32", 32, 64501),    // origin only: stays
  };
  const std::vector<TestVrp> expected_sorted = [] {
    std::vector<TestVrp> v = {vrp("0.0.0.0/0", 8, 3), vrp("11.0.0.0/8", 8, 4), vrp("2001:db8:1::/48", 48, 64502),
                              vrp("2001:db9::/32", 32, 64501),
                              // Assertions stay although a filter covers them (filters come first).
                              vrp("10.9.0.0/16", 24, 64502), vrp("192.0.2.0/24", 24, 64500)};
    std::sort(v.begin(), v.end());
    return v;
  }();
  CHECK(filtered_then_added(s, in) == expected_sorted);
  CHECK(filtered_then_added(Slurm{}, in) == [&] {
    auto v = in;
    std::sort(v.begin(), v.end());
    return v;
  }());
}

TEST_CASE("slurm: the filter index agrees with a brute-force reference on random data") {
  std::mt19937_64 rng(8416);
  auto random_prefix = [&](bool v6, int min_len, int max_len) {
    const int bits = v6 ? 128 : 32;
    const int len = min_len + static_cast<int>(rng() % static_cast<unsigned>(max_len - min_len + 1));
    // Few distinct high bits, so that filters and VRPs often nest.
    u128 addr = v6 ? (u128(0x20010db8) << 96) | (u128(rng() % 4) << 92) : (u128(10) << 24) | (u128(rng() % 4) << 20);
    addr |= (u128(rng()) << (v6 ? 40 : 0)) & (v6 ? ~u128(0) >> 36 : 0xFFFFFu);
    const u128 host = len == bits ? 0 : ((u128(1) << (bits - len)) - 1);
    addr &= ~host;
    return Resource{v6 ? Family::ipv6 : Family::ipv4, addr, addr | host};
  };
  for (int round = 0; round < 20; ++round) {
    std::vector<SlurmPrefixFilter> filters;
    for (int i = 0; i < 40; ++i) {
      SlurmPrefixFilter f;
      const int kind = static_cast<int>(rng() % 3);
      if (kind != 1) f.prefix = random_prefix(rng() % 2, 8, 24);
      if (kind != 0) f.asn = static_cast<uint32_t>(rng() % 8);
      filters.push_back(f);
    }
    SlurmFilterIndex index(filters);
    for (int i = 0; i < 500; ++i) {
      const bool v6 = rng() % 2;
      Resource p = random_prefix(v6, 8, v6 ? 64 : 32);
      uint32_t asn = static_cast<uint32_t>(rng() % 8);
      bool reference = false;
      for (const auto& f : filters)
        reference |= (!f.prefix || f.prefix->contains(p)) && (!f.asn || *f.asn == asn);
      CAPTURE(p.to_string());
      CHECK(index.removes(p, asn) == reference);
    }
  }
}

TEST_CASE("slurm: the RTR origin source re-applies a reloaded file and keeps the last good one") {
  nl::test::TempDir dir("nl-slurm");
  const std::string path = dir / "slurm.json";
  auto write = [&](const std::string& text) { std::ofstream(path, std::ios::binary | std::ios::trunc) << text; };
  write(file(R"({"asn": 1})", R"({"prefix": "192.0.2.0/24", "asn": 9})"));
  auto slurm = node::SlurmExceptions::load(path);
  REQUIRE_MESSAGE(slurm.ok(), slurm.error());

  // A ledger source that reports a set only when it changed, as the chain's does.
  std::optional<std::vector<node::RouteOrigin>> pending =
      std::vector<node::RouteOrigin>{{res("10.0.0.0/8"), 8, 1}, {res("11.0.0.0/8"), 8, 2}};
  auto source = node::slurm_origin_source([&] { return std::exchange(pending, std::nullopt); }, *slurm);
  using Set = std::vector<node::RouteOrigin>;
  auto sorted = [](std::optional<Set> v) {
    REQUIRE(v);
    std::sort(v->begin(), v->end());
    return *v;
  };
  CHECK(sorted(source()) == Set{{res("11.0.0.0/8"), 8, 2}, {res("192.0.2.0/24"), 24, 9}});
  CHECK_FALSE(source());  // neither the ledger nor the file changed

  // The file changes: the ledger's last set is filtered anew.
  write(file(R"({"prefix": "11.0.0.0/8"})", ""));
  REQUIRE((*slurm)->reload().ok());
  CHECK(sorted(source()) == Set{{res("10.0.0.0/8"), 8, 1}});
  CHECK_FALSE(source());

  // A bad file: the error names it, and the last good file stays in force.
  write(file(R"({"prefix": "11.0.0.0/8", "maxPrefixLength": 8})", ""));
  auto bad = (*slurm)->reload();
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error() == path + ":4:48: prefixFilters[0]: unknown member \"maxPrefixLength\": a prefix filter has "
                              "\"prefix\", \"asn\" and \"comment\" (RFC 8416 §3.3.1)");
  CHECK_FALSE(source());
  pending = Set{{res("11.1.0.0/16"), 16, 3}, {res("12.0.0.0/8"), 8, 1}};
  CHECK(sorted(source()) == Set{{res("12.0.0.0/8"), 8, 1}});
  std::filesystem::remove(path);
  CHECK_FALSE((*slurm)->reload().ok());
  CHECK_FALSE(node::SlurmExceptions::load(path).ok());
}
