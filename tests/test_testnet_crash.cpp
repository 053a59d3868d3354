// Crash tolerance of a 4-validator testnet of real processes: kill -9 one
// validator and the chain goes on; restart it and it catches up and agrees;
// kill two and no block is committed; bring one back and commits resume.
// Every transaction acknowledged as committed is there on every node at the
// end, at the same height, and every block agrees.
#include <doctest/doctest.h>

#include "support/testnet.h"

using namespace nl;
using namespace nl::test;

namespace {

struct Ledger {
  explicit Ledger(TestnetHarness& n) : net(n) {}
  TestnetHarness& net;
  std::vector<std::string> acked;  // ids acknowledged as committed

  void commit_via(const std::string& node) { acked.push_back(net.commit_delegation(node)); }
};

uint64_t max_height(const TestnetHarness& net, const std::vector<std::string>& which) {
  uint64_t top = 0;
  for (const auto& n : which) top = std::max(top, net.height(n).value_or(0));
  return top;
}

}  // namespace

TEST_CASE("kill -9 and restart validators: liveness with 3 of 4, none with 2, nothing committed lost") {
  TestnetHarness net;
  net.start();
  const auto all = net.validators();
  REQUIRE_MESSAGE(net.wait_height(all, 2, std::chrono::seconds(30)), net.heights() << net.logs_tail());
  Ledger l(net);
  for (int i = 0; i < 3; ++i) l.commit_via(all[i]);

  // kill -9 one of four: the chain goes on.
  net.kill9("validator3");
  const std::vector<std::string> three = {"validator0", "validator1", "validator2"};
  uint64_t h = max_height(net, three);
  REQUIRE_MESSAGE(net.wait_height(three, h + 3, std::chrono::seconds(30)), net.heights() << net.logs_tail(three));
  l.commit_via("validator0");
  l.commit_via("validator1");

  // Restart it: it catches up and agrees.
  net.start();
  h = max_height(net, three);
  REQUIRE_MESSAGE(net.wait_height({"validator3"}, h, std::chrono::seconds(30)),
                  net.heights() << net.logs_tail({"validator3"}));
  l.commit_via("validator3");
  net.require_agreement(all, net.common_height(all, std::chrono::seconds(20)));

  // Kill two: no block is committed. A decision already in flight settles
  // first; after that neither survivor moves.
  net.kill9("validator2");
  net.kill9("validator3");
  const std::vector<std::string> two = {"validator0", "validator1"};
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const uint64_t frozen = max_height(net, two);
  auto pending = net.next_root_delegation();
  Reply p = net.submit("validator0", pending, /*wait=*/false);
  REQUIRE_MESSAGE(p.status == 202, p.status << " " << p.body.dump() << p.error);
  for (int i = 0; i < 8; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    REQUIRE_MESSAGE(max_height(net, two) == frozen, "a block was committed by 2 of 4 validators: " << net.heights());
  }
  for (const auto& n : two) CHECK_MESSAGE(!net.committed_at(n, pending.id().hex()).has_value(), n);

  // Bring one back: commits resume, and the pending transaction commits.
  auto r = net.cli({"testnet", "start", "--dir", net.dir(), "--only", "validator2"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  REQUIRE_MESSAGE(net.wait_height(three, frozen + 2, std::chrono::seconds(40)), net.heights() << net.logs_tail(three));
  bool committed = false;
  for (int i = 0; i < 200 && !committed; ++i) {
    committed = net.committed_at("validator0", pending.id().hex()).has_value();
    if (!committed) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE_MESSAGE(committed, "the pending transaction did not commit after validator2 came back" << net.logs_tail());
  l.acked.push_back(pending.id().hex());
  l.commit_via("validator2");

  // Nothing committed is lost anywhere: with validator3 back too, every
  // acknowledged transaction is on every node at the same height, and every
  // block agrees.
  net.start();
  const uint64_t top = net.common_height(all, std::chrono::seconds(40));
  for (const auto& id : l.acked) net.require_committed(all, id);
  net.require_agreement(all, top);
}
