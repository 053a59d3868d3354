// The node's full submit path under load (not a test): an in-process
// numledgerd (HTTP server on 127.0.0.1, API, the consensus driver with one
// validator, RocksDB with synced blocks) and client threads POSTing signed transactions as
// hex JSON with "wait": false, then waiting until every one has committed.
// Clients and node share the machine's 2 cores, so this is a lower bound.
// Run: build/bench_node_http [N]
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "bench/bench_usage.h"
#include "ledger/chain.h"
#include "node/http/api.h"
#include "node/driver/consensus_driver.h"
#include "node/client/http_client.h"
#include "node/net/http_server.h"

using namespace nl;
using namespace nl::ledger;
using Clock = std::chrono::steady_clock;

static crypto::SecretKey key(uint8_t fill) {
  std::array<uint8_t, 32> seed;
  seed.fill(fill);
  return crypto::SecretKey::from_seed(seed);
}

int main(int argc, char** argv) {
  constexpr const char* kUsage =
      "usage: bench_node_http [N]\n"
      "  An in-process single-validator node; 4 client threads POST N signed transactions (default 20000)\n"
      "  over HTTP and wait until all have committed. Prints transactions/s.\n";
  bench::handle_help(argc, argv, kUsage);
  if (argc > 2) bench::usage_error("at most one argument", kUsage);
  size_t n = argc > 1 ? bench::parse_count(argv[1], kUsage) : 20000;
  if (n == 0) bench::usage_error("N must be at least 1", kUsage);
  const int clients = 4;
  crypto::init();
  auto validator = key(100);
  Genesis g;
  g.chain_id = "bench";
  g.genesis_time = 1700000000;
  g.validators.validators.push_back({validator.public_key(), 1});
  // One root and one signer per client, so each client's nonces arrive in order.
  std::vector<crypto::SecretKey> roots;
  for (int c = 0; c < clients; ++c) {
    roots.push_back(key(uint8_t(110 + c)));
    u128 base = Resource::parse("10.0.0.0/8")->first + (u128(c) << 22);
    g.roots.push_back({Resource{Family::ipv4, base, base + (u128(1) << 22) - 1}, AccountId{roots[c].public_key()}, {}});
  }
  std::vector<std::vector<std::string>> bodies(clients);
  const crypto::Hash32 genesis_hash = g.hash();
  for (size_t i = 0; i < n; ++i) {
    int c = static_cast<int>(i % clients);
    Transaction tx;
    tx.chain_id = "bench";
    tx.genesis_hash = genesis_hash;
    tx.signer = AccountId{roots[c].public_key()};
    tx.nonce = bodies[c].size() + 1;
    u128 base = Resource::parse("10.0.0.0/8")->first + (u128(c) << 22) + u128(bodies[c].size()) * 16;
    tx.body = DelegateBody{Resource{Family::ipv4, base, base + 15}, AccountId{key(7).public_key()},
                           HoldingKind::allocation, 0};
    tx.sign(roots[c]);
    bodies[c].push_back(nlohmann::json{{"tx", to_hex(tx.encode())}, {"wait", false}}.dump());
  }

  auto dir = std::filesystem::temp_directory_path() / ("nl-bench-http-" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(dir);
  auto chain = Chain::open((dir / "ledger").string(), g);
  if (!chain) return std::fprintf(stderr, "%s\n", chain.error().c_str()), 1;
  boost::asio::io_context ioc;
  node::DriverOptions dopts;
  dopts.wal_path = (dir / "consensus.wal").string();
  dopts.validator_key = validator;
  dopts.node_key = validator.public_key();
  node::SharedChain shared(**chain);
  auto driver = node::ConsensusDriver::open(ioc, shared, dopts);
  if (!driver) return std::fprintf(stderr, "%s\n", driver.error().c_str()), 1;
  node::ConsensusDriver& consensus = **driver;
  node::Api api(shared, consensus);
  node::HttpServer server(ioc, [&](node::HttpRequest r, node::Responder res) { api.handle(std::move(r), std::move(res)); });
  auto port = server.listen("127.0.0.1:0");
  if (!port) return std::fprintf(stderr, "%s\n", port.error().c_str()), 1;
  consensus.start();
  std::thread io1([&] { ioc.run(); }), io2([&] { ioc.run(); });
  std::string url = "http://127.0.0.1:" + std::to_string(*port);

  std::atomic<size_t> accepted{0}, failed{0};
  auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c)
    threads.emplace_back([&, c] {
      for (const auto& body : bodies[c]) {
        auto r = node::http_request(url, "POST", "/api/v1/tx", body, std::chrono::seconds(30));
        (r.ok() && r->status == 202 ? accepted : failed)++;
      }
    });
  for (auto& t : threads) t.join();
  double submit_s = std::chrono::duration<double>(Clock::now() - t0).count();
  // Committed when every signer's next nonce has moved past its last transaction.
  size_t committed = 0;
  while (std::chrono::duration<double>(Clock::now() - t0).count() < 300) {
    committed = 0;
    {
      auto lk = shared.read_lock();
      for (int c = 0; c < clients; ++c)
        committed += (*chain)->registry().next_nonce(AccountId{roots[c].public_key()}) - 1;
    }
    if (committed >= n) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  double total_s = std::chrono::duration<double>(Clock::now() - t0).count();
  uint64_t height = (*chain)->height();
  consensus.stop();
  server.stop();
  ioc.stop();
  io1.join();
  io2.join();
  std::printf("HTTP submit path, %zu txs from %d clients (wait=false, one connection per request):\n", n, clients);
  std::printf("  accepted %zu, failed %zu, committed %zu in %llu blocks\n", accepted.load(), failed.load(), committed,
              static_cast<unsigned long long>(height));
  std::printf("  submit phase %.2f s (%.0f req/s); submit to last commit %.2f s = %.0f tx/s\n", submit_s,
              n / submit_s, total_s, committed / total_s);
  chain->reset();
  std::filesystem::remove_all(dir);
  return committed == n ? 0 : 1;
}
