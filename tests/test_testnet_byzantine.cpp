// One validator of four equivocates through its fault plan (numledgerd
// --fault-plan with "* equivocate"): for each of its prevotes and
// precommits it also signs a conflicting one for a random block. The three honest validators stay safe (every node
// agrees on every block) and live (blocks and transactions commit), and the
// equivocation evidence is committed: GET /api/v1/evidence on every node
// names the double-signer.
#include <doctest/doctest.h>

#include "ledger/account.h"
#include "support/testnet.h"

using namespace nl;
using namespace nl::test;

TEST_CASE("an equivocating validator: the others stay safe and live, the evidence is committed") {
  TestnetHarness net;
  net.enable_faults();
  net.set_plan("validator3", "* equivocate\n");
  net.start();
  const auto all = net.validators();
  const std::string liar = ledger::AccountId{net.node_public_key("validator3")}.to_string();

  // Live: blocks and transactions commit.
  REQUIRE_MESSAGE(net.wait_height(all, 3, std::chrono::seconds(30)), net.heights() << net.logs_tail());
  std::vector<std::string> ids;
  for (const auto& n : all) ids.push_back(net.commit_delegation(n));

  // The evidence is committed, and every node serves it.
  bool everywhere = false;
  for (int i = 0; i < 300 && !everywhere; ++i) {
    everywhere = true;
    for (const auto& n : all) {
      auto e = net.get(n, "/api/v1/evidence");
      bool found = false;
      for (const auto& ev : e["evidence"])
        found = found || (ev["validator"] == liar && ev.contains("committed_height"));
      everywhere = everywhere && found;
    }
    if (!everywhere) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE_MESSAGE(everywhere, "no committed evidence against validator3 on every node: "
                                  << net.show("validator0", "/api/v1/evidence") << net.logs_tail());
  auto e0 = net.get("validator0", "/api/v1/evidence")["evidence"];
  for (const auto& ev : e0) {
    CHECK(ev["validator"] == liar);  // nobody else is accused
    CHECK(ev["block_hash_a"] != ev["block_hash_b"]);
  }

  // Safe: every node has every transaction at the same height and the same
  // blocks at every height; the chain still moves.
  const uint64_t top = net.common_height(all, std::chrono::seconds(20));
  for (const auto& id : ids) net.require_committed(all, id);
  net.require_agreement(all, top);
  REQUIRE_MESSAGE(net.wait_height(all, top + 2, std::chrono::seconds(30)), net.heights());
}
