// Issue 19, daily use against a real numledgerd: an ISP's ROA for its
// aggregate beside its customer's own, key files wherever an account is
// asked for, `query mine`, RFC 3339 times and resource syntax errors.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "support/node_fixture.h"

using namespace nl;
using namespace nl::test;
using nlohmann::json;

namespace {

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// Builds a transaction with the CLI and submits it; returns the submit's output.
std::string sign_and_submit(NodeFixture& f, std::vector<std::string> build, const std::string& name) {
  const std::string file = f.dir / (name + ".tx");
  build.insert(build.end(), {"--out", file});
  auto r = f.cli(build);
  REQUIRE_MESSAGE(r.code == 0, r.err);
  r = f.cli({"tx", "submit", file});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  return r.out;
}

}  // namespace

TEST_CASE("an ISP authorizes its aggregate over a customer's assignment; the customer keeps its own; query mine") {
  NodeFixture f;
  f.start();
  const std::string isp = f.new_key("isp"), customer = f.new_key("customer");
  // Key files where accounts are expected: --to takes the receiver's key file.
  sign_and_submit(f, {"tx", "delegate", "10.1.0.0/16", "--to", f.dir / "isp.key", "--key", f.dir / "root.key"}, "d1");
  sign_and_submit(f,
                  {"tx", "delegate", "10.1.5.0/24", "--to", f.dir / "customer.key", "--kind", "assignment", "--key",
                   f.dir / "isp.key"},
                  "d2");
  sign_and_submit(f, {"tx", "authorize", "10.1.5.0/24", "--origin", "AS64501", "--key", f.dir / "customer.key"}, "a1");
  // The README's case: refused before issue 19, committed now.
  sign_and_submit(f,
                  {"tx", "authorize", "10.1.0.0/16", "--origin", "AS64500", "--max-length", "24", "--key",
                   f.dir / "isp.key"},
                  "a2");
  // Someone who holds nothing there is still refused, and told what to do.
  const std::string other = f.new_key("other");
  auto r = f.cli({"tx", "authorize", "10.1.0.0/16", "--origin", "AS64502", "--key", f.dir / "other.key", "--nonce",
                  "1", "--out", f.dir / "a3.tx"});
  REQUIRE(r.code == 0);
  r = f.cli({"tx", "submit", f.dir / "a3.tx"});
  CHECK(r.code == 1);
  CHECK_MESSAGE(has(r.err, "no holding of the signer covers it"), r.err);

  // Routers get the union.
  r = f.cli({"export", "vrps"});  // json by default, as Routinator
  REQUIRE_MESSAGE(r.code == 0, r.err);
  auto vrps = json::parse(r.out)["roas"];
  std::set<std::string> got;
  for (const auto& v : vrps) got.insert(v["prefix"].get<std::string>() + " " + v["asn"].get<std::string>());
  CHECK(got == std::set<std::string>{"10.1.0.0/16 AS64500", "10.1.5.0/24 AS64501"});

  // query mine: the ISP's holding and its own authorization, not the customer's.
  r = f.cli({"query", "mine", "--key", f.dir / "isp.key", "--json"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  auto mine = json::parse(r.out);
  CHECK(mine["account"] == isp);
  REQUIRE(mine["holdings"].size() == 1);
  CHECK(mine["holdings"][0]["range"] == "10.1.0.0/16");
  REQUIRE(mine["authorizations"].size() == 1);
  CHECK(mine["authorizations"][0]["prefix"] == "10.1.0.0/16");
  CHECK(mine["pending_txs"].empty());
  // A transaction waiting for an earlier nonce shows as pending.
  r = f.cli({"tx", "withdraw", "10.1.0.0/16", "--asn", "AS64500", "--max-length", "24", "--key", f.dir / "isp.key",
             "--nonce", "4", "--out", f.dir / "w.tx"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  r = f.cli({"tx", "submit", f.dir / "w.tx", "--no-wait"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  r = f.cli({"query", "mine", "--key", f.dir / "isp.key"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK_MESSAGE(has(r.out, "holdings: 1\n  #"), r.out);
  CHECK(has(r.out, "authorizations issued: 1\n  10.1.0.0/16 maxLength 24 origin AS64500"));
  CHECK_MESSAGE(has(r.out, "pending transactions: 1\n  nonce 4"), r.out);
  CHECK(has(r.out, "withdraw 10.1.0.0/16"));
  // The customer's view: its assignment and its own authorization.
  r = f.cli({"query", "mine", "--key", f.dir / "customer.key", "--json"});
  mine = json::parse(r.out);
  REQUIRE(mine["authorizations"].size() == 1);
  CHECK(mine["authorizations"][0]["asn"] == "AS64501");
  // query account takes a key file too.
  r = f.cli({"query", "account", f.dir / "customer.key", "--json"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(json::parse(r.out)["account"] == customer);
  // A word that is neither an account nor a file is named as such.
  r = f.cli({"query", "account", "nobody"});
  CHECK(r.code == 2);
  CHECK_MESSAGE(has(r.err, "'nobody' is neither an account"), r.err);
  (void)other;
}

TEST_CASE("times in messages and views are RFC 3339; resource errors say the forms and suggest a fix") {
  NodeFixture f;
  f.start();
  const std::string lessee = f.new_key("lessee");
  // A lease described on the command line and in tx show.
  auto r = f.cli({"tx", "delegate", "10.9.0.0/16", "--to", lessee, "--kind", "lease", "--until", "2030-01-01",
                  "--key", f.dir / "root.key", "--out", f.dir / "l.tx"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  auto shown = f.cli({"tx", "show", f.dir / "l.tx"});
  CHECK_MESSAGE(has(shown.out, "until 2030-01-01T00:00:00Z"), shown.out);
  CHECK_MESSAGE(!has(shown.out, "1893456000"), shown.out);
  // A refusal names the block time in RFC 3339: this lease ended in 2001.
  r = f.cli({"tx", "delegate", "10.8.0.0/16", "--to", lessee, "--kind", "lease", "--until", "2001-09-09T01:46:40Z",
             "--key", f.dir / "root.key", "--out", f.dir / "old.tx"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  r = f.cli({"tx", "submit", f.dir / "old.tx"});
  CHECK(r.code == 1);
  CHECK_MESSAGE(has(r.err, "lease expiry 2001-09-09T01:46:40Z is not after the block time 20"), r.err);
  CHECK_MESSAGE(!has(r.err, "1000000000"), r.err);

  // Resource syntax.
  r = f.cli({"query", "10.0.0.1/8"});
  CHECK(r.code == 2);
  CHECK_MESSAGE(has(r.err, "did you mean 10.0.0.0/8?"), r.err);
  CHECK(has(r.err, "a resource is a prefix (10.0.0.0/8, 2001:db8::/32), a range A-B"));
  r = f.cli({"query", "foo"});
  CHECK(r.code == 2);
  CHECK_MESSAGE(has(r.err, "'foo' is not a prefix, a range or AS numbers"), r.err);
  CHECK(!has(r.err, "octet"));
  r = f.cli({"tx", "delegate", "--help"});
  CHECK_MESSAGE(has(r.out, "a prefix (10.0.0.0/8, 2001:db8::/32), a range A-B (10.0.0.0-10.0.0.255), ASn or ASn-ASm"),
                r.out);
}
