// State sync across processes (issue 16, item 5): three validators run a
// chain whose genesis holds 100,000 imported holdings and that has moved on
// past a few transactions; an observer started later with --state-sync
// fetches the latest snapshot from them in verified chunks, starts at its
// height without replaying a block, and agrees with the validators on the
// state root of every height they both hold; then it follows the chain.
#include <doctest/doctest.h>

#include "support/testnet.h"

using namespace nl;
using namespace nl::test;

namespace {

constexpr size_t kHoldings = 100000;

// 100,000 /27 holdings in 10.128.0.0/9 (the root delegations of this test
// take 10.N.0.0/16 for small N), held by eight accounts.
ledger::Genesis with_holdings(ledger::Genesis g) {
  std::vector<ledger::AccountId> holders;
  for (int i = 0; i < 8; ++i) holders.push_back(ledger::AccountId{crypto::SecretKey::generate().public_key()});
  g.holdings.reserve(kHoldings);
  for (size_t i = 0; i < kHoldings; ++i) {
    const uint32_t first = (10u << 24) | (128u << 16) | static_cast<uint32_t>(i << 5);
    const std::string r = std::to_string(first >> 24) + "." + std::to_string((first >> 16) & 255) + "." +
                          std::to_string((first >> 8) & 255) + "." + std::to_string(first & 255) + "/27";
    g.holdings.push_back({ledger::Resource::parse(r).value(), holders[i % holders.size()],
                          ledger::HoldingKind::allocation, {"net-" + std::to_string(i), "", "", "", ""}, "", {}});
  }
  return g;
}

}  // namespace

TEST_CASE("an observer joins a chain of 100,000 holdings by state sync and agrees on the state root") {
  TestnetHarness net(TestnetOptions{.validators = 3, .observers = 1, .block_interval = 0.2});
  auto g = ledger::Genesis::load(net.genesis());
  REQUIRE(g.ok());
  net.replace_genesis(with_holdings(std::move(*g)), ledger::Genesis::Format::binary);
  const auto validators = net.validators();
  std::vector<std::string> start_validators = {"testnet", "start", "--dir", net.dir(), "--timeout", "90"};
  for (const auto& v : validators) start_validators.insert(start_validators.end(), {"--only", v});
  auto r = net.cli(start_validators);
  REQUIRE_MESSAGE(r.code == 0, r.err << net.logs_tail());

  // A few blocks with transactions, so the snapshot's state is not the genesis's.
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(net.commit_delegation(validators[i % validators.size()]));
  REQUIRE_MESSAGE(net.wait_height(validators, 10, std::chrono::seconds(60)), net.heights());

  net.add_config_line("observer0", "state-sync = true");
  const auto t0 = std::chrono::steady_clock::now();
  r = net.cli({"testnet", "start", "--dir", net.dir(), "--only", "observer0", "--timeout", "90"});
  REQUIRE_MESSAGE(r.code == 0, r.err << net.logs_tail({"observer0"}));
  MESSAGE("observer joined by state sync in "
          << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() << " s");
  const std::string log = net.log("observer0");
  REQUIRE_MESSAGE(log.find("state sync: joined at height") != std::string::npos, net.logs_tail({"observer0"}, 30));
  // It started at the snapshot: the blocks below are not held, not replayed.
  auto status = net.get("observer0", "/api/v1/status");
  CHECK(status["holdings"].get<uint64_t>() > kHoldings);
  Reply first = net.request("observer0", "GET", "/api/v1/block/1");
  CHECK(first.status == 404);

  // Same block and state root at the heights both hold, as the chain moves on.
  const std::vector<std::string> pair = {"validator0", "observer0"};
  const uint64_t top = net.common_height(pair, std::chrono::seconds(30));
  for (uint64_t h = top; h <= top + 3; ++h) {
    REQUIRE_MESSAGE(net.wait_height(pair, h, std::chrono::seconds(20)), net.heights());
    const auto a = net.header("validator0", h), b = net.header("observer0", h);
    CHECK(a["hash"] == b["hash"]);
    CHECK(a["state_root"] == b["state_root"]);
  }
  // The state it joined with is the whole state: what was delegated before is there.
  for (const auto& id : ids) CHECK(net.committed_at("validator0", id).has_value());
  const std::string id = net.commit_delegation("observer0");
  net.require_committed(net.names(), id);
}
