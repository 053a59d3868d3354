// Four validators as real processes: transactions submitted to different
// nodes, sequentially and from concurrent submitters, commit on every node,
// and every node reports the same block hash and state root at every height.
#include <doctest/doctest.h>

#include <atomic>
#include <mutex>

#include "support/testnet.h"

using namespace nl;
using namespace nl::test;

TEST_CASE("4 validators agree on every block, whichever node a transaction goes to") {
  TestnetHarness net;
  net.start();
  const auto nodes = net.validators();
  REQUIRE_MESSAGE(net.wait_height(nodes, 2, std::chrono::seconds(30)), net.heights() << net.logs_tail());

  // The root delegates a /16 to each of four holders, each through another node.
  std::vector<crypto::SecretKey> holders;
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    holders.push_back(crypto::SecretKey::generate());
    auto tx = net.root_tx(delegation("10." + std::to_string(i) + ".0.0/16", holders[i].public_key()), i + 1);
    Reply r = net.submit(nodes[i], tx);
    REQUIRE_MESSAGE(r.status == 200, nodes[i] << ": " << r.status << " " << r.body.dump() << r.error);
    CHECK(r.body["status"] == "committed");
    ids.push_back(tx.id().hex());
  }

  // Then the four holders submit at once, each spreading its own
  // delegations over all nodes.
  std::mutex mu;
  std::vector<std::string> failures;
  std::vector<std::thread> threads;
  const int per_holder = 6;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&, i] {
      for (int j = 0; j < per_holder; ++j) {
        auto tx = net.tx_by(holders[i],
                            delegation("10." + std::to_string(i) + "." + std::to_string(j) + ".0/24",
                                       crypto::SecretKey::generate().public_key()),
                            j + 1);
        Reply r = net.submit(nodes[(i + j) % 4], tx);
        std::lock_guard lk(mu);
        if (r.status == 200)
          ids.push_back(tx.id().hex());
        else
          failures.push_back(nodes[(i + j) % 4] + ": " + std::to_string(r.status) + " " + r.body.dump() + r.error);
      }
    });
  for (auto& t : threads) t.join();
  REQUIRE_MESSAGE(failures.empty(), (failures.empty() ? "" : failures[0]) << net.logs_tail());
  REQUIRE(ids.size() == 4 + 4 * per_holder);

  // Every node has every transaction, at the same height...
  uint64_t top = net.common_height(nodes, std::chrono::seconds(20));
  for (const auto& id : ids) net.require_committed(nodes, id);
  // ...and the same block hash and state root at every height.
  net.require_agreement(nodes, top);
  auto s0 = net.get(nodes[0], "/api/v1/status");
  CHECK(s0["peers"].get<uint64_t>() == 3);
  CHECK(net.get(nodes[3], "/api/v1/resource/10.2.5.0%2F24")["holder"].is_string());
}
