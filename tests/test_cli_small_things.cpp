// Issue 19's small stumbles, each as a user met it, without a node: weak
// passphrases, --json on key show, import rir and import diff, two
// snapshots of one registry, an organisation id without its registry, the
// registry's case in export rir, and the testnet node selector.
#include <doctest/doctest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "support/cli_fixture.h"

using namespace nl;
using namespace nl::test;
using nlohmann::json;

namespace {

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// A small delegated-extended file of AFRINIC: org F1 holds 41.0.0.0/16, the
// holder of 41.1.0.0/16 is `second`.
std::string afrinic_file(const std::string& serial, const std::string& second) {
  return "2|afrinic|" + serial + "|2|19830101|" + serial + "|+0000\n" +
         "afrinic|*|ipv4|*|2|summary\n"
         "afrinic|ZA|ipv4|41.0.0.0|65536|20070101|allocated|F1\n"
         "afrinic|ZA|ipv4|41.1.0.0|65536|20070101|allocated|" +
         second + "\n";
}

}  // namespace

TEST_CASE("key new refuses a passphrase shorter than 8 characters unless --weak-passphrase; key show --json") {
  Cli c;
  auto r = c.run({"key", "new", "--out", c.path("a.key")}, {{"NUMLEDGER_PASSPHRASE", "abc"}});
  CHECK(r.code == 2);
  CHECK_MESSAGE(has(r.err, "the passphrase has 3 characters; use at least 8, or pass --weak-passphrase"), r.err);
  CHECK(!std::filesystem::exists(c.path("a.key")));
  r = c.run({"key", "new", "--out", c.path("a.key"), "--weak-passphrase"}, {{"NUMLEDGER_PASSPHRASE", "abc"}});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  const std::string account = r.out.substr(0, r.out.find('\n'));
  r = c.run({"key", "show", c.path("a.key"), "--json"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  auto j = json::parse(r.out);
  CHECK(j["account"] == account);
  CHECK(j["public_key"].get<std::string>().size() == 64);
  CHECK(j["file"] == c.path("a.key"));
}

TEST_CASE("import rir and import diff print their reports with --json; two snapshots of a registry point to diff") {
  Cli c;
  spit(c.path("old.txt"), afrinic_file("20160101", "F2"));
  spit(c.path("new.txt"), afrinic_file("20240101", "F3"));
  auto v = c.run({"key", "new", "--out", c.path("v.key"), "--no-passphrase"});
  REQUIRE(v.code == 0);

  // Both snapshots at once: every record would be a duplicate.
  auto r = c.run({"import", "rir", "--no-passphrase", c.path("old.txt"), c.path("new.txt"), "--chain-id", "t", "--validator",
                  c.path("v.key"), "--keystore", c.path("ks"), "--out", c.path("g.json")});
  CHECK(r.code == 1);
  CHECK_MESSAGE(has(r.err, "are two snapshots of afrinic"), r.err);
  CHECK(has(r.err, "numledger import diff OLD NEW"));
  CHECK(!std::filesystem::exists(c.path("g.json")));

  // --validator takes a key file; --json prints the report on stdout.
  r = c.run({"import", "rir", "--no-passphrase", c.path("old.txt"), "--chain-id", "t", "--validator", c.path("v.key"), "--keystore",
             c.path("ks"), "--out", c.path("g.json"), "--time", "1700000000", "--json"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  auto rep = json::parse(r.out);
  CHECK(rep["record_holdings"] == 2);
  CHECK(rep["root_holdings"] == 3);
  CHECK(rep["holdings"] == 5);
  CHECK(rep["genesis"]["file"] == c.path("g.json"));
  CHECK(rep["genesis"]["hash"].get<std::string>().size() == 64);
  // Without --json, the summary counts the roots as a node does.
  r = c.run({"import", "rir", "--no-passphrase", c.path("old.txt"), "--chain-id", "t", "--validator", c.path("v.key"), "--keystore",
             c.path("ks"), "--out", c.path("g.json"), "--time", "1700000000", "--force"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK_MESSAGE(has(r.out, "holdings: 5 (3 IANA roots, 0 IANA designations, 2 records)"), r.out);

  r = c.run({"import", "diff", "--no-passphrase", c.path("old.txt"), c.path("new.txt"), "--genesis", c.path("g.json"), "--keystore",
             c.path("ks"), "--out", c.path("txs"), "--json"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  auto d = json::parse(r.out);
  CHECK(d["transfers"] == 1);
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(c.path("txs"))) files += e.path().extension() == ".tx";
  CHECK(d["transactions"] == files);
  CHECK(d["out"] == c.path("txs"));

  // An organisation named without its registry gets a did-you-mean.
  r = c.run({"import", "key", "--no-passphrase", "--keystore", c.path("ks"), "--org", "f1", "--out", c.path("f1.key")});
  CHECK(r.code == 1);
  CHECK_MESSAGE(has(r.err, "no organisation 'f1'; did you mean 'afrinic-F1'?"), r.err);
  r = c.run({"import", "key", "--no-passphrase", "--keystore", c.path("ks"), "--org", "afrinic-F1", "--out", c.path("f1.key")});
  CHECK_MESSAGE(r.code == 0, r.err);

  // export rir takes the registry in any case.
  r = c.run({"export", "rir", "--registry", "AFRINIC", "--genesis", c.path("g.json")});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(has(r.out, "afrinic|ZA|ipv4|41.0.0.0|65536|20070101|allocated"));
}

TEST_CASE("testnet start, stop and logs name a node with --only; --node is refused with that hint") {
  Cli c;
  for (const char* verb : {"start", "stop", "logs"}) {
    auto r = c.run({"testnet", verb, "--dir", c.path("net"), "--node", "validator2"});
    CHECK(r.code == 2);
    CHECK_MESSAGE(has(r.err, "name a node of the testnet with --only validator2"), r.err);
  }
}
