// Issue 13, item 1: the largest legal block, made of the largest legal
// transactions, travels. A two-validator chain whose first block is as
// large as the block limit allows (set-metadata transactions with every
// field at its cap) is served to a fresh observer and to a validator whose
// data was wiped; both catch up past it, and the chain goes on committing.
// Before the limit was one number, such a block could not be encoded for a
// blocks reply (a 1 MiB field cap) and every newcomer stayed at height 0.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "crypto/key_file.h"
#include "ledger/chain.h"
#include "node/client/http_client.h"
#include "support/fixtures.h"
#include "support/node_fixture.h"

using namespace nl;
using namespace nl::ledger;
using nlohmann::json;

namespace {

Transaction largest_metadata_tx(uint64_t nonce) {
  const std::string full(kMaxMetadataField, 'x');
  Metadata m{full, "NL", full, full, full};
  return test::signed_tx(SetMetadataBody{Resource::parse("10.0.0.0/8").value(), m}, 1, nonce, test::test_genesis_hash(2));
}

// Builds block 1 of `g` in `ledger_dir`, as large as the limit allows.
size_t build_largest_block(const Genesis& g, const std::string& ledger_dir, uint64_t& next_nonce) {
  auto c = Chain::open(ledger_dir, g);
  REQUIRE_MESSAGE(c.ok(), c.error());
  Chain& chain = **c;
  const size_t tx_bytes = largest_metadata_tx(1).encode().size();
  Block probe;
  probe.header.chain_id = g.chain_id;
  const size_t fixed = probe.size_without_commit();
  const size_t n = (kMaxBlockBytesWithoutCommit - fixed) / tx_bytes;
  std::vector<Transaction> txs;
  for (size_t i = 0; i < n; ++i) txs.push_back(largest_metadata_tx(i + 1));
  auto p = chain.propose(txs, g.genesis_time + 1, test::seeded_key(100).public_key(), SignatureCheck::verify);
  REQUIRE_MESSAGE(p.rejected.empty(), p.rejected.front().reason);
  REQUIRE(check_block_size(p.block).ok());
  // No further transaction of that size would fit.
  CHECK(p.block.size_without_commit() + tx_bytes > kMaxBlockBytesWithoutCommit);
  auto s = chain.commit(p, test::certify(p.block, {100, 101}, g.hash()));
  REQUIRE_MESSAGE(s.ok(), s.error());
  next_nonce = n + 1;
  return p.block.encode().size();
}

struct Node {
  std::string name, home, url;
  int port = 0;
  test::Daemon proc;
};

json status_of(const Node& n) {
  auto r = node::http_request(n.url, "GET", "/api/v1/status", "", std::chrono::seconds(5));
  if (!r.ok() || r->status != 200) return json();
  return json::parse(r->body, nullptr, false);
}

uint64_t height_of(const Node& n) {
  json s = status_of(n);
  return s.is_object() && s["height"].is_number_unsigned() ? s["height"].get<uint64_t>() : 0;
}

void wait_height(const Node& n, uint64_t at_least, int seconds) {
  for (int i = 0; i < seconds * 10 && height_of(n) < at_least; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  REQUIRE_MESSAGE(height_of(n) >= at_least, n.name << " is at height " << height_of(n) << ", not " << at_least
                                                    << "; its log:\n"
                                                    << n.proc.log());
}

void submit(const Node& n, const Transaction& tx) {
  auto r = node::http_request(n.url, "POST", "/api/v1/tx", json{{"tx", to_hex(tx.encode())}}.dump(),
                              std::chrono::seconds(60));
  REQUIRE(r.ok());
  REQUIRE_MESSAGE(r->status == 200, r->body);
}

}  // namespace

TEST_CASE("hostile: the largest legal block reaches a fresh observer and a wiped validator") {
  test::TempDir dir("nl-hostile-block-size");
  Genesis g = test::test_genesis(2);  // validators 100 and 101
  REQUIRE(g.save(dir / "genesis.json").ok());
  const auto base = test::free_port_range(3);
  REQUIRE(base.has_value());
  const int p0 = static_cast<int>(*base);
  Node v0{"validator0", dir / "v0", "", p0}, v1{"validator1", dir / "v1", "", p0 + 1},
      obs{"observer", dir / "obs", "", p0 + 2};
  for (Node* n : {&v0, &v1, &obs}) {
    n->url = "http://127.0.0.1:" + std::to_string(n->port);
    std::filesystem::create_directories(n->home);
  }
  REQUIRE(crypto::save_key_file(dir / "v0.key", test::seeded_key(100), std::nullopt).ok());
  REQUIRE(crypto::save_key_file(dir / "v1.key", test::seeded_key(101), std::nullopt).ok());

  uint64_t nonce = 0;
  const size_t block_bytes = build_largest_block(g, v0.home + "/ledger", nonce);
  MESSAGE("block 1 is " << block_bytes << " bytes, " << nonce - 1 << " transactions (limit " << kMaxBlockBytes << ")");
  CHECK(block_bytes > 3 * 1024 * 1024);
  std::filesystem::copy(v0.home + "/ledger", v1.home + "/ledger", std::filesystem::copy_options::recursive);

  auto start = [&](Node& n, const std::string& key, int peer_port) {
    std::vector<std::string> argv = {test::kNodeBin, "--home", n.home, "--genesis", dir / "genesis.json", "--listen",
                                     "127.0.0.1:" + std::to_string(n.port), "--peer",
                                     "127.0.0.1:" + std::to_string(peer_port), "--block-interval", "30"};
    if (!key.empty()) argv.insert(argv.end(), {"--validator-key", key});
    n.proc.start(argv, n.home + ".log");
  };
  start(v0, dir / "v0.key", v1.port);
  start(v1, dir / "v1.key", v0.port);
  wait_height(v0, 1, 30);
  wait_height(v1, 1, 30);

  // A fresh observer syncs block 1 from validator0, then follows.
  start(obs, "", v0.port);
  wait_height(obs, 1, 60);
  const uint64_t h = height_of(v0);
  submit(v0, test::signed_tx(DelegateBody{Resource::parse("10.1.0.0/16").value(), test::seeded_account(2),
                                          HoldingKind::allocation, 0},
                             1, nonce++, test::test_genesis_hash(2)));
  wait_height(obs, h + 1, 60);
  CHECK(status_of(obs)["tip_hash"] == status_of(v0)["tip_hash"]);

  // Validator1 loses its data (ledger and consensus WAL) while the chain is
  // idle, comes back, syncs past block 1 and votes again: without it two
  // validators decide nothing.
  v1.proc.kill(SIGTERM);
  std::filesystem::remove_all(v1.home);
  std::filesystem::create_directories(v1.home);
  start(v1, dir / "v1.key", v0.port);
  const uint64_t tip = height_of(v0);
  wait_height(v1, tip, 60);
  submit(v0, test::signed_tx(DelegateBody{Resource::parse("10.2.0.0/16").value(), test::seeded_account(2),
                                          HoldingKind::allocation, 0},
                             1, nonce++, test::test_genesis_hash(2)));
  wait_height(v1, tip + 1, 60);
  wait_height(obs, tip + 1, 60);
  CHECK(status_of(v1)["tip_hash"] == status_of(v0)["tip_hash"]);
  CHECK(status_of(obs)["state_root"] == status_of(v0)["state_root"]);
  for (Node* n : {&v0, &v1, &obs}) CHECK(n->proc.kill(SIGTERM) == 0);
}
