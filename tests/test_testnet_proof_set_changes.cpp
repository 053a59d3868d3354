// A proof of control survives validator-set changes on a real 4-validator
// testnet (issue 15, item 1): one update adds a validator (a key with no
// node) and reweights three, a second removes validator3; a proof fetched
// afterwards verifies offline from the genesis file alone, following both
// changes, and again from the set it saved, skipping them.
#include <doctest/doctest.h>

#include <algorithm>

#include "support/testnet.h"

using namespace nl;
using namespace nl::test;

namespace {

crypto::SecretKey validator_secret(const TestnetHarness& net, const std::string& name) {
  auto k = crypto::load_key_file(net.node_dir(name) + "/validator.key", std::nullopt);
  REQUIRE_MESSAGE(k.ok(), name);
  return *k;
}

// The root submits; `signers` co-sign as validators.
ledger::Transaction set_update(const TestnetHarness& net, std::vector<ledger::Validator> changes, uint64_t nonce,
                               const std::vector<std::string>& signers) {
  std::sort(changes.begin(), changes.end());
  auto tx = net.root_tx(ledger::ValidatorUpdateBody{changes}, nonce);
  for (const auto& s : signers) tx.sign(validator_secret(net, s));
  return tx;
}

}  // namespace

TEST_CASE("testnet: a proof made after a validator joins and another leaves verifies offline from the genesis") {
  TestnetHarness net(TestnetOptions{.validators = 4, .block_interval = 0.1});
  net.start();
  const auto all = net.validators();
  REQUIRE_MESSAGE(net.wait_height(all, 2, std::chrono::seconds(60)), net.heights() << net.logs_tail());
  net.commit_delegation("validator0");  // 10.1.0.0/16, root nonce 1

  // validator0..2 go to power 3 and a new key joins with 1: validator3 (1 of
  // 11) can then leave without the others ever lacking 2/3.
  const crypto::PublicKey joiner = crypto::SecretKey::generate().public_key();
  std::vector<ledger::Validator> first = {{joiner, 1}};
  for (const auto* n : {"validator0", "validator1", "validator2"}) first.push_back({net.node_public_key(n), 3});
  Reply r = net.submit("validator1", set_update(net, first, 2, all));
  REQUIRE_MESSAGE(r.status == 200, r.status << " " << r.body.dump() << r.error << net.logs_tail());
  const uint64_t h1 = r.body["height"].get<uint64_t>();
  REQUIRE_MESSAGE(net.wait_height(all, h1 + 3, std::chrono::seconds(60)), net.heights() << net.logs_tail());

  // validator3 stops, then leaves the set.
  net.kill9("validator3");
  const std::vector<std::string> rest = {"validator0", "validator1", "validator2"};
  r = net.submit("validator2", set_update(net, {{net.node_public_key("validator3"), 0}}, 3, rest));
  REQUIRE_MESSAGE(r.status == 200, r.status << " " << r.body.dump() << r.error << net.logs_tail(rest));
  const uint64_t h2 = r.body["height"].get<uint64_t>();
  REQUIRE_MESSAGE(net.wait_height(rest, h2 + 3, std::chrono::seconds(60)), net.heights(rest) << net.logs_tail(rest));
  auto vs = net.get("validator0", "/api/v1/validators?height=" + std::to_string(h2 + 2));
  CHECK(vs["validators"].size() == 4);
  CHECK(vs["total_power"] == 10);

  // Fetched from a node, checked with nothing but the genesis file.
  const std::string proof = net.dir() + "/p.proof", trusted = net.dir() + "/trusted.json";
  auto got = net.cli({"proof", "get", "10.1.0.0/16", "--out", proof, "--node", net.url("validator0")});
  REQUIRE_MESSAGE(got.code == 0, got.err);
  CHECK(got.out.find("2 validator-set changes") != std::string::npos);
  auto ok = net.cli({"proof", "verify", proof, "--genesis", net.genesis(), "--save-trusted-set", trusted});
  REQUIRE_MESSAGE(ok.code == 0, ok.err);
  CHECK(ok.out.find("valid: 10.1.0.0/16 is controlled by") != std::string::npos);
  CHECK_MESSAGE(ok.out.find("followed 2 validator-set changes from the genesis set") != std::string::npos, ok.out);

  // From the saved set nothing is left to follow.
  auto again = net.cli({"proof", "verify", proof, "--trusted-set", trusted, "--json"});
  REQUIRE_MESSAGE(again.code == 0, again.err);
  auto j = nlohmann::json::parse(again.out);
  CHECK(j["valid"] == true);
  CHECK(j["set_changes_checked"] == 0);
  CHECK(j["parts"][0]["range"] == "10.1.0.0/16");

  // A genesis file is not a trusted set: refused, saying so.
  auto other = net.cli({"proof", "verify", proof, "--trusted-set", net.genesis()});
  CHECK(other.code == 1);
  CHECK_MESSAGE(other.err.find("trusted set: genesis_hash is missing") != std::string::npos, other.err);
  net.stop();
}
