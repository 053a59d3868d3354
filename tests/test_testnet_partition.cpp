// A 2/2 partition of a 4-validator testnet, made with numledgerd's
// --fault-plan: neither half has more than 2/3 of the power, so no
// node commits a block the others don't have (no node commits at all once
// in-flight decisions settle). After healing, blocks resume, a transaction
// submitted during the partition commits, and all nodes agree on every
// height.
#include <doctest/doctest.h>

#include <algorithm>

#include "support/testnet.h"

using namespace nl;
using namespace nl::test;

TEST_CASE("partition 2/2 then heal: nothing committed on one side only, all agree after") {
  TestnetHarness net;
  net.enable_faults();
  net.start();
  const auto all = net.validators();
  REQUIRE_MESSAGE(net.wait_height(all, 2, std::chrono::seconds(30)), net.heights() << net.logs_tail());
  Reply before = net.submit("validator1", net.root_tx(delegation("10.1.0.0/16", crypto::SecretKey::generate().public_key()), 1));
  REQUIRE_MESSAGE(before.status == 200, before.body.dump() << before.error);

  const std::vector<std::string> left = {"validator0", "validator1"}, right = {"validator2", "validator3"};
  net.partition(left, right);
  // Decisions already in flight settle; then the heights must hold still.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  std::vector<uint64_t> frozen;
  for (const auto& n : all) frozen.push_back(net.height(n).value_or(0));
  const uint64_t top_before = *std::max_element(frozen.begin(), frozen.end());

  auto during = net.root_tx(delegation("10.2.0.0/16", crypto::SecretKey::generate().public_key()), 2);
  Reply p = net.submit("validator0", during, /*wait=*/false);
  REQUIRE_MESSAGE(p.status == 202, p.status << " " << p.body.dump() << p.error);
  for (int i = 0; i < 8; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    for (size_t k = 0; k < all.size(); ++k)
      REQUIRE_MESSAGE(net.height(all[k]).value_or(0) == frozen[k],
                      all[k] << " committed during a 2/2 partition: " << net.heights());
  }
  // Whatever each side has, the other has the same blocks (up to where it got).
  for (const auto& a : left)
    for (const auto& b : right) {
      uint64_t common = std::min(net.height(a).value_or(0), net.height(b).value_or(0));
      for (uint64_t h = 1; h <= common; ++h)
        REQUIRE(net.header(a, h)["hash"] == net.header(b, h)["hash"]);
    }
  CHECK(!net.committed_at("validator0", during.id().hex()).has_value());

  // Heal: commits resume, the transaction from the partition commits, all agree.
  net.heal();
  REQUIRE_MESSAGE(net.wait_height(all, top_before + 2, std::chrono::seconds(40)), net.heights() << net.logs_tail());
  bool committed = false;
  for (int i = 0; i < 200 && !committed; ++i) {
    committed = net.committed_at("validator0", during.id().hex()).has_value();
    if (!committed) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE_MESSAGE(committed, "the transaction submitted during the partition did not commit" << net.logs_tail());
  const uint64_t top = net.common_height(all, std::chrono::seconds(20));
  net.require_committed(all, during.id().hex());
  net.require_committed(all, before.body["id"].get<std::string>());
  net.require_agreement(all, top);
}
