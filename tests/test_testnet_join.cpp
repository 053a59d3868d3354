// A fresh observer joins a 4-validator testnet late, after well over one
// sync range (64 blocks) of history with transactions in it: it syncs from
// genesis, verifying every certificate, to the same blocks and state root,
// then follows the chain and serves the API; a transaction submitted
// through it commits everywhere.
#include <doctest/doctest.h>

#include "support/testnet.h"

using namespace nl;
using namespace nl::test;

TEST_CASE("a late observer syncs from genesis to the same state root") {
  TestnetHarness net(TestnetOptions{.validators = 4, .observers = 1, .block_interval = 0.1});
  const auto validators = net.validators();
  std::vector<std::string> start_validators = {"testnet", "start", "--dir", net.dir()};
  for (const auto& v : validators) {
    start_validators.push_back("--only");
    start_validators.push_back(v);
  }
  auto r = net.cli(start_validators);
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(!net.height("observer0").has_value());

  // History: transactions spread over the first blocks, then empty blocks
  // past two sync ranges.
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    auto tx = net.root_tx(delegation("10." + std::to_string(i) + ".0.0/16", crypto::SecretKey::generate().public_key()),
                          i + 1);
    Reply s = net.submit(validators[i % 4], tx);
    REQUIRE_MESSAGE(s.status == 200, s.status << " " << s.body.dump() << s.error);
    ids.push_back(tx.id().hex());
  }
  REQUIRE_MESSAGE(net.wait_height(validators, 140, std::chrono::seconds(90)), net.heights() << net.logs_tail());

  // The observer joins now, from nothing.
  r = net.cli({"testnet", "start", "--dir", net.dir(), "--only", "observer0"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  const uint64_t target = net.height("validator0").value_or(0);
  auto t0 = std::chrono::steady_clock::now();
  REQUIRE_MESSAGE(net.wait_height({"observer0"}, target, std::chrono::seconds(60)),
                  net.heights() << net.logs_tail({"observer0"}));
  MESSAGE("observer synced " << target << " blocks in "
                             << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() << " s");

  // Same blocks, same state root at every height, every transaction there.
  const std::vector<std::string> pair = {"validator0", "observer0"};
  const uint64_t top = net.common_height(pair, std::chrono::seconds(20));
  net.require_agreement(pair, top);
  for (const auto& id : ids) net.require_committed(pair, id);
  auto status = net.get("observer0", "/api/v1/status");
  CHECK(status["validator"] == false);
  CHECK(status["peers"].get<uint64_t>() == 4);

  // It follows the chain and passes on what it is given.
  auto tx = net.root_tx(delegation("10.200.0.0/16", crypto::SecretKey::generate().public_key()), 21);
  Reply s = net.submit("observer0", tx);
  REQUIRE_MESSAGE(s.status == 200, s.status << " " << s.body.dump() << s.error << net.logs_tail({"observer0"}));
  net.require_committed(net.names(), tx.id().hex());
  net.require_agreement(net.names(), net.common_height(net.names(), std::chrono::seconds(20)));
}
