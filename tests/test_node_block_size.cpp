// numledgerd --max-block-txs: a real node keeps every block within the cap
// however many transactions wait, and refuses a cap outside 1-10000.
#include <doctest/doctest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "crypto/key_file.h"
#include "ledger/genesis.h"
#include "ledger/transaction.h"
#include "node/client/http_client.h"
#include "support/node_fixture.h"

using namespace nl;
using namespace nl::test;

TEST_CASE("numledgerd: --max-block-txs caps every block, and a cap out of range is a usage error") {
  {
    TempDir dir{"nl-max-block-bad"};
    auto r = run({kNodeBin, "--home", dir / "home", "--genesis", "/dev/null", "--max-block-txs", "0"});
    CHECK(r.code == 2);
    CHECK(r.err.find("--max-block-txs") != std::string::npos);
  }

  NodeFixture n;
  n.start({"--max-block-txs", "2"});
  auto root = crypto::load_key_file(n.dir / "root.key", std::nullopt);
  REQUIRE_MESSAGE(root.ok(), root.error());
  // Seven delegations waiting at once (wait=false), in nonce order.
  const int kTxs = 7;
  node::HttpClient client(n.url);
  auto genesis = ledger::Genesis::load(n.dir / "genesis.json");
  REQUIRE(genesis.ok());
  for (int i = 0; i < kTxs; ++i) {
    ledger::Transaction tx;
    tx.chain_id = "interop-test";
    tx.genesis_hash = genesis->hash();
    tx.signer = ledger::AccountId{root->public_key()};
    tx.nonce = static_cast<uint64_t>(i + 1);
    tx.body = ledger::DelegateBody{ledger::Resource::parse("10." + std::to_string(i + 1) + ".0.0/16").value(),
                                   ledger::AccountId{crypto::SecretKey::generate().public_key()},
                                   ledger::HoldingKind::allocation, 0};
    tx.sign(*root);
    auto r = client.request("POST", "/api/v1/tx",
                            nlohmann::json{{"tx", to_hex(tx.encode())}, {"wait", false}}.dump(),
                            std::chrono::seconds(10));
    REQUIRE(r.ok());
    REQUIRE_MESSAGE(r->status == 202, r->body);
  }
  // Wait until all are committed, then read every block.
  size_t committed = 0;
  uint64_t height = 0;
  for (int tries = 0; tries < 200 && committed < kTxs; ++tries) {
    height = n.get("/api/v1/status")["height"].get<uint64_t>();
    committed = 0;
    for (uint64_t h = 1; h <= height; ++h) committed += n.get("/api/v1/block/" + std::to_string(h))["txs"].size();
    if (committed < kTxs) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(committed == kTxs);
  size_t largest = 0;
  for (uint64_t h = 1; h <= height; ++h)
    largest = std::max(largest, n.get("/api/v1/block/" + std::to_string(h))["txs"].size());
  CHECK(largest == 2);  // the cap was reached, never passed
}
