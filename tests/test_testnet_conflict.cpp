// Two transfers of the same prefix to different recipients, submitted at
// the same moment to two different nodes of a 4-validator testnet: exactly
// one commits, the same one on every node, and the other's submitter gets a
// precise rejection. Run for several prefixes so the race goes both ways.
#include <doctest/doctest.h>

#include <atomic>

#include "support/testnet.h"

using namespace nl;
using namespace nl::test;

namespace {

ledger::Transaction transfer(const TestnetHarness& net, const crypto::SecretKey& from, const std::string& range, const crypto::SecretKey& to,
                             uint64_t nonce) {
  auto tx = net.tx_by(from, ledger::TransferBody{ledger::Resource::parse(range).value(), ledger::AccountId{to.public_key()}},
                      nonce);
  tx.sign(to);  // the recipient co-signs
  return tx;
}

}  // namespace

TEST_CASE("conflicting transfers on two nodes: exactly one commits, the same everywhere") {
  TestnetHarness net;
  net.start();
  const auto nodes = net.validators();
  REQUIRE_MESSAGE(net.wait_height(nodes, 1, std::chrono::seconds(30)), net.heights() << net.logs_tail());

  const int kRounds = 3;
  for (int round = 0; round < kRounds; ++round) {
    CAPTURE(round);
    // alice gets a /16 from the root, then transfers the same /24 to bob
    // and to carol with the same nonce: both are valid until one commits.
    auto alice = crypto::SecretKey::generate(), bob = crypto::SecretKey::generate(),
         carol = crypto::SecretKey::generate();
    const std::string block = "10." + std::to_string(50 + round) + ".0.0/16";
    const std::string prefix = "10." + std::to_string(50 + round) + ".7.0/24";
    Reply d = net.submit(nodes[round % 4], net.root_tx(delegation(block, alice.public_key()), round + 1));
    REQUIRE_MESSAGE(d.status == 200, d.status << " " << d.body.dump() << d.error);

    auto to_bob = transfer(net, alice, prefix, bob, 1), to_carol = transfer(net, alice, prefix, carol, 1);
    const std::string a = nodes[round % 4], b = nodes[(round + 2) % 4];
    Reply ra, rb;
    std::atomic<int> ready{0};
    auto go = [&](const std::string& node, const ledger::Transaction& tx, Reply& out) {
      ++ready;
      while (ready.load() < 2) {
      }
      out = net.submit(node, tx);
    };
    std::thread ta(go, std::cref(a), std::cref(to_bob), std::ref(ra));
    std::thread tb(go, std::cref(b), std::cref(to_carol), std::ref(rb));
    ta.join();
    tb.join();
    INFO("to bob via " << a << ": " << ra.status << " " << ra.body.dump() << ra.error);
    INFO("to carol via " << b << ": " << rb.status << " " << rb.body.dump() << rb.error);
    REQUIRE(ra.reached);
    REQUIRE(rb.reached);
    // Exactly one commits; the other is refused with the reason.
    REQUIRE(((ra.status == 200) != (rb.status == 200)));
    const Reply& loser = ra.status == 200 ? rb : ra;
    CHECK(loser.status == 409);
    REQUIRE(loser.body.is_object());
    const std::string reason = loser.body.value("error", "");
    CHECK_MESSAGE((reason.find("nonce") != std::string::npos || reason.find("held") != std::string::npos ||
                   reason.find("hold") != std::string::npos),
                  reason);

    const auto& winner_tx = ra.status == 200 ? to_bob : to_carol;
    const auto& loser_tx = ra.status == 200 ? to_carol : to_bob;
    const auto& winner = ra.status == 200 ? bob : carol;
    uint64_t top = net.common_height(nodes, std::chrono::seconds(20));
    net.require_committed(nodes, winner_tx.id().hex());
    for (const auto& n : nodes) {
      CHECK_MESSAGE(!net.committed_at(n, loser_tx.id().hex()).has_value(), n);
      auto res = net.get(n, "/api/v1/resource/" + prefix.substr(0, prefix.find('/')) + "%2F24");
      CHECK_MESSAGE(res["holder"] == ledger::AccountId{winner.public_key()}.to_string(), n);
    }
    net.require_agreement(nodes, top);
  }
}
