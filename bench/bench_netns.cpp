// Testnets in network namespaces (numledger testnet init --netns
// --latency), N = 4, 7 and 16 validators at 0, 50 and 100 ms round trip
// (issue 17, "Figures"); not a test, and it needs root. For each:
//   - throughput: S submitters (each a sub-holder of the root with its own
//     nonces) post pre-signed delegations with "wait": false, spread over
//     the nodes, as fast as the nodes take them; committed tx/s from the
//     first post to the last commit;
//   - submit -> commit latency, p50 and p99: each submitter posts with
//     "wait": true, one transaction in flight at a time.
// All nodes and clients share this machine's cores.
// Run: sudo build/bench_netns [--validators 4,7,16] [--rtt 0,50,100] [--txs N] [--light N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_testnet_net.h"
#include "bench/bench_usage.h"
#include "ledger/transaction.h"
#include "node/client/http_client.h"

using namespace nl;
using nlohmann::json;
using nl::bench::Clock;
using nl::bench::die;
using nl::ledger::u128;
using nl::bench::body_of;
using nl::bench::delegation;
using nl::bench::ipv4;

namespace {

const char* kUsage =
    "usage: sudo bench_netns [--validators 4,7,16] [--rtt 0,50,100] [--txs N] [--light N]\n"
    "  --validators  validator counts to run (default 4,7,16)\n"
    "  --rtt         round trips in ms; each link gets half one way (default 0,50,100)\n"
    "  --txs N       transactions for the throughput run (default 2000)\n"
    "  --light N     transactions per submitter for the latency run (default 10)\n";
constexpr size_t kSubmitters = 8;

std::vector<unsigned> parse_list(const std::string& text) {
  std::vector<unsigned> out;
  std::stringstream ss(text);
  for (std::string part; std::getline(ss, part, ',');) out.push_back(static_cast<unsigned>(std::stoul(part)));
  return out;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5))];
}

struct Net {
  test::TempDir tmp{"nl-bench-netns"};
  std::string dir = tmp / "net";
  std::string chain = "bench-netns";
  std::vector<std::string> urls;
  crypto::Hash32 genesis;
  crypto::SecretKey root = crypto::SecretKey::generate();

  test::RunResult cli(std::vector<std::string> args) const {
    args.insert(args.begin(), bench::bin_dir() + "/numledger");
    return test::run(args, {"NUMLEDGERD=" + bench::bin_dir() + "/numledgerd"});
  }
  Net(unsigned validators, unsigned rtt) {
    std::vector<std::string> args = {"testnet", "init", "--validators", std::to_string(validators), "--dir", dir,
                                     "--netns", "--chain-id", chain, "--block-interval", "0.5"};
    if (rtt > 0) args.insert(args.end(), {"--latency", std::to_string(rtt / 2)});
    if (auto r = cli(args); r.code != 0) die("testnet init: " + r.err);
    auto g = ledger::Genesis::load(dir + "/genesis.json");
    if (!g) die(g.error());
    genesis = g->hash();
    auto key = crypto::load_key_file(dir + "/holders/root.key", std::nullopt);
    if (!key) die(key.error());
    root = *key;
    if (auto r = cli({"testnet", "start", "--dir", dir, "--timeout", "120"}); r.code != 0) die("testnet start: " + r.err);
    auto st = cli({"testnet", "status", "--dir", dir, "--json"});
    for (const auto& n : json::parse(st.out)) urls.push_back(n["url"]);
  }
  ~Net() { cli({"testnet", "stop", "--dir", dir, "--timeout", "5"}); }
  ledger::Transaction sign(const crypto::SecretKey& k, ledger::TxBody body, uint64_t nonce) const {
    return bench::sign_tx(chain, genesis, k, std::move(body), nonce);
  }
  uint64_t height(size_t i) const {
    auto r = node::http_request(urls[i], "GET", "/api/v1/status", "", std::chrono::seconds(5));
    return r.ok() ? json::parse(r->body)["height"].get<uint64_t>() : 0;
  }
};

struct Figures {
  double tx_per_s = 0, p50 = 0, p99 = 0;
};

Figures run_one(unsigned validators, unsigned rtt, size_t txs, size_t light) {
  Net net(validators, rtt);
  // Each submitter gets a /16 of the root's /8.
  std::vector<crypto::SecretKey> holders;
  for (size_t k = 0; k < kSubmitters; ++k) {
    holders.push_back(crypto::SecretKey::generate());
    auto tx = net.sign(net.root, delegation(ipv4(k, 0, 0), ipv4(k, 255, 255), holders[k].public_key()), k + 1);
    auto r = node::http_request(net.urls[0], "POST", "/api/v1/tx", body_of(tx, k + 1 == kSubmitters),
                                std::chrono::seconds(120));
    if (!r.ok() || (r->status != 200 && r->status != 202)) die("setup: " + (r.ok() ? r->body : r.error()));
    if (k + 1 == kSubmitters) {
      // Every node has the setup before any submitter turns to it.
      const uint64_t h = json::parse(r->body)["height"].get<uint64_t>();
      for (size_t i = 0; i < net.urls.size(); ++i)
        while (net.height(i) < h) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  std::vector<size_t> used(kSubmitters, 0);
  const auto recipient = crypto::SecretKey::generate().public_key();
  auto next = [&](size_t k, bool wait) {
    const size_t j = used[k]++;
    const u128 first = ipv4(static_cast<unsigned>(k), 0, 0) + u128(j) * 16;
    auto tx = net.sign(holders[k], delegation(first, first + 15, recipient), j + 1);
    return std::pair{tx.id().hex(), body_of(tx, wait)};
  };

  // Latency: one transaction in flight per submitter, waiting for its commit.
  std::vector<double> lat;
  std::mutex mu;
  {
    std::vector<std::thread> ts;
    for (size_t k = 0; k < kSubmitters; ++k)
      ts.emplace_back([&, k] {
        node::HttpClient client(net.urls[k % net.urls.size()]);
        for (size_t i = 0; i < light; ++i) {
          auto [id, body] = next(k, true);
          const auto t0 = Clock::now();
          auto r = client.request("POST", "/api/v1/tx", body, std::chrono::seconds(120));
          if (!r.ok() || r->status != 200) die("light load: " + (r.ok() ? r->body : r.error()));
          std::lock_guard lk(mu);
          lat.push_back(bench::seconds_since(t0) * 1000);
        }
      });
    for (auto& t : ts) t.join();
  }

  // Throughput: pre-signed, posted without waiting, then wait for the last.
  std::vector<std::vector<std::pair<std::string, std::string>>> work(kSubmitters);
  for (size_t i = 0; i < txs; ++i) work[i % kSubmitters].push_back(next(i % kSubmitters, false));
  const auto t0 = Clock::now();
  {
    std::vector<std::thread> ts;
    for (size_t k = 0; k < kSubmitters; ++k)
      ts.emplace_back([&, k] {
        node::HttpClient client(net.urls[k % net.urls.size()]);
        for (const auto& [id, body] : work[k])
          for (int attempt = 0;; ++attempt) {
            auto r = client.request("POST", "/api/v1/tx", body, std::chrono::seconds(60));
            if (r.ok() && (r->status == 200 || r->status == 202)) break;
            if (attempt > 2000) die("throughput: " + (r.ok() ? r->body : r.error()));
            std::this_thread::sleep_for(std::chrono::milliseconds(20));  // busy (503): resend
          }
      });
    for (auto& t : ts) t.join();
  }
  std::vector<std::string> last;
  for (const auto& w : work)
    if (!w.empty()) last.push_back(w.back().first);
  for (const auto& id : last)
    for (;;) {
      auto r = node::http_request(net.urls[0], "GET", "/api/v1/tx/" + id, "", std::chrono::seconds(10));
      if (r.ok() && r->status == 200 && json::parse(r->body).contains("height")) break;
      if (bench::seconds_since(t0) > 600) die("throughput: transactions did not commit in 600 s");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  Figures f;
  f.tx_per_s = static_cast<double>(txs) / bench::seconds_since(t0);
  f.p50 = percentile(lat, 0.5);
  f.p99 = percentile(lat, 0.99);
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  bench::handle_help(argc, argv, kUsage);
  std::vector<unsigned> ns = {4, 7, 16}, rtts = {0, 50, 100};
  size_t txs = 2000, light = 10;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) bench::usage_error(("missing value after " + a).c_str(), kUsage);
    const std::string v = argv[++i];
    if (a == "--validators") ns = parse_list(v);
    else if (a == "--rtt") rtts = parse_list(v);
    else if (a == "--txs") txs = bench::parse_count(v.c_str(), kUsage);
    else if (a == "--light") light = bench::parse_count(v.c_str(), kUsage);
    else bench::usage_error(("unknown argument " + a).c_str(), kUsage);
  }
  if (::geteuid() != 0) die("bench_netns creates network namespaces: run it as root");
  std::printf("validators  rtt_ms  committed_tx_per_s  light_p50_ms  light_p99_ms   [%zu submitters; %zu txs; %zu light "
              "per submitter]\n",
              kSubmitters, txs, light);
  for (unsigned n : ns)
    for (unsigned rtt : rtts) {
      const Figures f = run_one(n, rtt, txs, light);
      std::printf("%10u  %6u  %18.0f  %12.0f  %12.0f\n", n, rtt, f.tx_per_s, f.p50, f.p99);
      std::fflush(stdout);
    }
  return 0;
}
