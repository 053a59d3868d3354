// Issue 13, items 3 and 10, on a real 4-validator testnet:
// - nonces 1..N of one account, submitted at once in shuffled order to
//   four nodes without waiting, all commit;
// - a validly signed transaction the rules refuse is answered 409 at
//   admission and is in no mempool afterwards;
// - a race: a holder returns holding H through node X while the parent's
//   holder delegates inside H through node Y. A 409 from Y means the
//   delegation never commits (before admission ran the rules, Y refused it
//   at its re-check while other nodes still held it, and it committed).
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <thread>

#include "support/testnet.h"

using namespace nl;
using namespace nl::test;

namespace {

std::string status_of(const TestnetHarness& net, const std::string& node, const std::string& id) {
  Reply r = net.request(node, "GET", "/api/v1/tx/" + id);
  return r.body.is_object() ? r.body.value("status", std::string()) : std::string();
}

}  // namespace

TEST_CASE("hostile: shuffled nonces all commit; a refused transaction is nowhere; a 409 never commits") {
  TestnetHarness net;
  net.start();
  const auto nodes = net.validators();
  REQUIRE_MESSAGE(net.wait_height(nodes, 1, std::chrono::seconds(30)), net.heights() << net.logs_tail());
  uint64_t root_nonce = 1;

  SUBCASE("nonces 1..N in any order, to any node") {
    const int kN = 32;
    std::vector<ledger::Transaction> txs;
    for (int i = 0; i < kN; ++i)
      txs.push_back(net.root_tx(delegation("10." + std::to_string(i + 1) + ".0.0/16",
                                           crypto::SecretKey::generate().public_key()),
                                root_nonce + i));
    std::vector<size_t> order(kN);
    for (int i = 0; i < kN; ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), std::mt19937(13));
    std::atomic<int> accepted{0};
    std::vector<std::string> failures(4);
    std::vector<std::thread> threads;
    for (size_t t = 0; t < 4; ++t)
      threads.emplace_back([&, t] {
        for (size_t k = t; k < order.size(); k += 4) {
          Reply r = net.request(nodes[t], "POST", "/api/v1/tx",
                                nlohmann::json{{"tx", to_hex(txs[order[k]].encode())}, {"wait", false}}.dump());
          if (r.status == 202 || r.status == 200) ++accepted;
          else failures[t] += std::to_string(r.status) + " " + r.body.dump() + "\n";
        }
      });
    for (auto& th : threads) th.join();
    INFO(failures[0] << failures[1] << failures[2] << failures[3]);
    REQUIRE(accepted == kN);
    for (const auto& tx : txs) net.require_committed(nodes, tx.id().hex());
    root_nonce += kN;
  }

  SUBCASE("a rule-invalid transaction is refused at admission and held nowhere") {
    auto bad = net.root_tx(delegation("11.0.0.0/16", crypto::SecretKey::generate().public_key()), root_nonce);
    Reply r = net.submit(nodes[1], bad, /*wait=*/false);
    CHECK(r.status == 409);
    CHECK(r.body.value("status", "") == "rejected");
    CHECK_MESSAGE(r.body.value("error", "").find("11.0.0.0/16") != std::string::npos, r.body.dump());
    // Its nonce is still free: the next transaction with it commits.
    auto good = net.root_tx(delegation("10.77.0.0/16", crypto::SecretKey::generate().public_key()), root_nonce);
    Reply g = net.submit(nodes[2], good);
    REQUIRE_MESSAGE(g.status == 200, g.body.dump());
    for (const auto& n : nodes) CHECK_MESSAGE(status_of(net, n, bad.id().hex()) == "unknown", n);
  }

  SUBCASE("return through X races a delegation inside it through Y") {
    const int kRounds = 8;
    int refused = 0, committed = 0;
    for (int round = 0; round < kRounds; ++round) {
      CAPTURE(round);
      auto alice = crypto::SecretKey::generate(), bob = crypto::SecretKey::generate();
      const std::string h = "10." + std::to_string(100 + round) + ".0.0/16";
      const std::string inside = "10." + std::to_string(100 + round) + ".1.0/24";
      Reply d = net.submit(nodes[round % 4], net.root_tx(delegation(h, alice.public_key()), root_nonce++));
      REQUIRE_MESSAGE(d.status == 200, d.body.dump());
      auto give_back = net.tx_by(alice, ledger::ReturnBody{ledger::Resource::parse(h).value()}, 1);
      auto carve = net.root_tx(delegation(inside, bob.public_key()), root_nonce);
      const std::string x = nodes[round % 4], y = nodes[(round + 1) % 4];
      Reply rx, ry;
      std::atomic<int> ready{0};
      std::thread tx_thread([&] {
        ++ready;
        while (ready.load() < 2) {
        }
        rx = net.request(x, "POST", "/api/v1/tx", nlohmann::json{{"tx", to_hex(give_back.encode())}, {"wait", false}}.dump());
      });
      std::thread ty_thread([&] {
        ++ready;
        while (ready.load() < 2) {
        }
        ry = net.request(y, "POST", "/api/v1/tx", nlohmann::json{{"tx", to_hex(carve.encode())}}.dump(),
                         std::chrono::seconds(60));
      });
      tx_thread.join();
      ty_thread.join();
      REQUIRE_MESSAGE((rx.status == 202 || rx.status == 200), rx.body.dump());
      net.require_committed(nodes, give_back.id().hex());
      INFO("delegation via " << y << ": " << ry.status << " " << ry.body.dump());
      if (ry.status == 409) {
        ++refused;
        // Two more heights on every node: the delegation is in none of them.
        const uint64_t top = net.common_height(nodes, std::chrono::seconds(20));
        REQUIRE(net.wait_height(nodes, top + 2, std::chrono::seconds(30)));
        for (const auto& n : nodes) CHECK_MESSAGE(!net.committed_at(n, carve.id().hex()).has_value(), n);
      } else {
        REQUIRE(ry.status == 200);
        ++committed;
        ++root_nonce;
        net.require_committed(nodes, carve.id().hex());
      }
    }
    MESSAGE(refused << " of " << kRounds << " delegations refused with 409, " << committed << " committed");
  }
  net.stop();
}
