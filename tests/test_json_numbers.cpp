// Regressions of the fuzzing of issue 13: every number read from JSON is a
// whole number in range or an error naming the field (a number beyond 2^64
// became undefined behaviour in Genesis::from_json), a VRP file with a
// number beyond a double is an error and not an escaping exception, and
// evidence decodes only in canonical order.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "crypto/basics/json_fields.h"
#include "ledger/evidence.h"
#include "ledger/genesis.h"
#include "ledger/interop/vrp.h"
#include "support/fixtures.h"

using namespace nl;
using namespace nl::ledger;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// A valid genesis with one field's JSON text replaced.
std::string genesis_with(const std::string& time = "1", const std::string& power = "1",
                         const std::string& max_length = "16", const std::string& asn = "64496") {
  const std::string v = test::seeded_account(1).to_string(), h = test::seeded_account(2).to_string();
  return R"({"chain_id":"x","genesis_time":)" + time + R"(,"validators":[{"account":")" + v +
         R"(","power":)" + power + R"(}],"roots":[{"resource":"10.0.0.0/8","holder":")" + h +
         R"("}],"holdings":[],"authorizations":[{"prefix":"10.0.0.0/16","max_length":)" + max_length +
         R"(,"asn":)" + asn + R"(,"issuer":")" + h + R"("}]})";
}

std::string genesis_error(const std::string& text) {
  auto g = Genesis::from_json(text);
  REQUIRE_MESSAGE(!g.ok(), text);
  return g.error();
}

}  // namespace

TEST_CASE("json_uint takes whole numbers in range and names the field otherwise") {
  using nlohmann::json;
  CHECK(json_uint(json::parse("0"), "f").value() == 0);
  CHECK(json_uint(json::parse("18446744073709551615"), "f").value() == UINT64_MAX);
  CHECK(json_uint(json::parse("7"), "f", 1, 7).value() == 7);
  for (const char* bad : {"-5", "1.5", "5.0", "1e3", "99999999999999999999", "\"5\"", "true", "null", "[]"}) {
    auto r = json_uint(json::parse(bad), "the_field");
    REQUIRE_MESSAGE(!r.ok(), bad);
    CHECK(contains(r.error(), "the_field is "));
    CHECK(contains(r.error(), "not a whole number in 0-18446744073709551615"));
  }
  CHECK(contains(json_uint(json::parse("8"), "f", 1, 7).error(), "f is 8, not a whole number in 1-7"));
  CHECK(contains(json_uint_member(json::parse("{}"), "n", "o.n").error(), "o.n is missing"));
  CHECK(json_uint_member_or(json::parse("{}"), "n", "o.n", 3).value() == 3);
  CHECK(!json_uint_member_or(json::parse(R"({"n":-1})"), "n", "o.n", 3).ok());
}

TEST_CASE("genesis: numbers beyond 2^64, negatives and fractions are refused naming the field") {
  REQUIRE(Genesis::from_json(genesis_with()).ok());
  const std::string huge = "99999999999999999999";
  CHECK(contains(genesis_error(genesis_with(huge)), "genesis_time is 1e+20, not a whole number"));
  CHECK(contains(genesis_error(genesis_with("-5")), "genesis_time is -5"));
  CHECK(contains(genesis_error(genesis_with("1.5")), "genesis_time is 1.5"));
  CHECK(contains(genesis_error(genesis_with("2.0")), "genesis_time is 2.0"));
  CHECK(contains(genesis_error(genesis_with("1", huge)), "validators[0].power is 1e+20"));
  CHECK(contains(genesis_error(genesis_with("1", "-1")), "validators[0].power is -1"));
  CHECK(contains(genesis_error(genesis_with("1", "0.5")), "validators[0].power is 0.5"));
  CHECK(contains(genesis_error(genesis_with("1", "1", huge)), "max_length is 1e+20"));
  CHECK(contains(genesis_error(genesis_with("1", "1", "129")), "max_length is 129, not a whole number in 0-128"));
  CHECK(contains(genesis_error(genesis_with("1", "1", "16.5")), "max_length is 16.5"));
  CHECK(contains(genesis_error(genesis_with("1", "1", "16", huge)), "asn is 1e+20"));
  CHECK(contains(genesis_error(genesis_with("1", "1", "16", "4294967296")), "asn is 4294967296"));
  CHECK(contains(genesis_error(genesis_with("1", "1", "16", "-1")), "asn is -1"));
  CHECK(contains(genesis_error(genesis_with("1", "1", "16", "1e2")), "asn is 100.0"));
  // A number beyond a double is refused whole, never parsed to infinity.
  CHECK(contains(genesis_error(genesis_with("1e999")), "genesis:"));
}

TEST_CASE("genesis: a validator without power has power 1, and the time round-trips") {
  const std::string v = test::seeded_account(1).to_string(), h = test::seeded_account(2).to_string();
  auto g = Genesis::from_json(R"({"chain_id":"x","genesis_time":18446744073709551615,"validators":[{"account":")" +
                              v + R"("}],"roots":[{"resource":"10.0.0.0/8","holder":")" + h + R"("}]})");
  REQUIRE_MESSAGE(g.ok(), g.error());
  CHECK(g->genesis_time == UINT64_MAX);
  CHECK(g->validators.validators.at(0).power == 1);
  auto again = Genesis::from_json(g->to_json());
  REQUIRE(again.ok());
  CHECK(again->hash() == g->hash());
}

TEST_CASE("genesis: roots and validators must be arrays; an object is refused, not read as a list") {
  const std::string v = test::seeded_account(1).to_string(), h = test::seeded_account(2).to_string();
  const std::string validators = R"([{"account":")" + v + R"("}])";
  const std::string roots = R"([{"resource":"10.0.0.0/8","holder":")" + h + R"("}])";
  auto make = [](const std::string& vs, const std::string& rs) {
    return R"({"chain_id":"x","genesis_time":1,"validators":)" + vs + R"(,"roots":)" + rs + "}";
  };
  REQUIRE(Genesis::from_json(make(validators, roots)).ok());
  CHECK(contains(genesis_error(make(validators, R"({"a":{"resource":"10.0.0.0/8","holder":")" + h + R"("}})")),
                 "genesis: roots is not an array"));
  CHECK(contains(genesis_error(make(R"({"a":1})", roots)), "genesis: validators is not an array"));
  CHECK(contains(genesis_error(make(R"([{"power":1}])", roots)), "validators[0].account is missing"));
}

TEST_CASE("vrp json: a number beyond a double is an error value, not an exception") {
  for (const char* text : {R"({"x":1e999})", R"({"roas":[{"asn":1e999,"prefix":"10.0.0.0/8","maxLength":8,"ta":"t"}]})",
                           R"({"roas":[],"n":-1e999})"}) {
    Result<VrpFile> r = fail("not run");
    CHECK_NOTHROW(r = read_vrps_json(text));
    REQUIRE(!r.ok());
    CHECK(contains(r.error(), "number overflow"));
    CHECK_NOTHROW((void)read_vrps(text));
  }
  // Entry numbers out of range stay per-entry errors.
  auto f = read_vrps_json(R"({"roas":[{"asn":"AS1","prefix":"10.0.0.0/8","maxLength":1e2,"ta":"t"},
                                      {"asn":"AS1","prefix":"10.0.0.0/8","maxLength":99999999999999999999,"ta":"t"},
                                      {"asn":"AS1","prefix":"10.0.0.0/8","maxLength":8,"ta":"t"}]})");
  REQUIRE(f.ok());
  CHECK(f->vrps.size() == 1);
  REQUIRE(f->bad.size() == 2);
  CHECK(contains(f->bad[0].detail, "roas[0]: maxLength is 100.0, not a whole number"));
  CHECK(contains(f->bad[1].detail, "roas[1]: maxLength is 1e+20"));
}

TEST_CASE("evidence: the decoder refuses the two votes in the wrong order") {
  auto vote = [](const char* block) {
    return SignedVote::make(test::test_genesis_hash(), 2, 0, VoteType::prevote, crypto::sha256(as_bytes(block)),
                            test::seeded_key(4));
  };
  VoteEvidence e = VoteEvidence::make(vote("a"), vote("b")).value();
  REQUIRE(Evidence::decode(Evidence(e).encode()).ok());
  Evidence swapped = VoteEvidence{e.b, e.a};
  auto r = Evidence::decode(swapped.encode());
  REQUIRE(!r.ok());
  CHECK(contains(r.error(), "not in canonical order"));
  Evidence same = VoteEvidence{e.a, e.a};
  CHECK(!Evidence::decode(same.encode()).ok());
  // Inside a committed-evidence record too.
  Writer w;
  CommittedEvidence{swapped, 3}.encode(w);
  CHECK(!decode_all<CommittedEvidence>(w.data(), "committed evidence", [](Reader& r) {
           return CommittedEvidence::decode(r);
         }).ok());
}
