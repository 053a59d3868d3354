// The testnet a benchmark drives: a directory made and run through the
// real `numledger testnet` commands (found next to the benchmark), node
// heights and memory, and a watcher that notes when each transaction
// commits. Header-only, like the test support in tests/support/.
#pragma once
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "crypto/key_file.h"
#include "ledger/genesis.h"
#include "ledger/transaction.h"
#include "node/client/http_client.h"
#include "tests/support/process.h"

namespace nl::bench {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

inline std::string bin_dir() { return std::filesystem::read_symlink("/proc/self/exe").parent_path().string(); }

inline double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

[[noreturn]] inline void die(const std::string& why) {
  std::fprintf(stderr, "%s: %s\n", program_invocation_short_name, why.c_str());
  std::exit(1);
}

// A transaction of `chain` (genesis hash `genesis`) by `key`'s account.
inline ledger::Transaction sign_tx(const std::string& chain, const crypto::Hash32& genesis, const crypto::SecretKey& key,
                                   ledger::TxBody body, uint64_t nonce) {
  ledger::Transaction tx;
  tx.chain_id = chain;
  tx.genesis_hash = genesis;
  tx.signer = ledger::AccountId{key.public_key()};
  tx.nonce = nonce;
  tx.body = std::move(body);
  tx.sign(key);
  return tx;
}

// A node's committed height from /api/v1/status over `client`.
// 10.a.b.c as a number.
inline ledger::u128 ipv4(unsigned a, unsigned b, unsigned c) {
  using ledger::u128;
  return (u128(10) << 24) | (u128(a) << 16) | (u128(b) << 8) | u128(c);
}

// An allocation of first..last (IPv4) to `to`.
inline ledger::TxBody delegation(ledger::u128 first, ledger::u128 last, const crypto::PublicKey& to) {
  return ledger::DelegateBody{ledger::Resource{ledger::Family::ipv4, first, last}, ledger::AccountId{to},
                              ledger::HoldingKind::allocation, 0};
}

// The POST /api/v1/tx body of `tx`.
inline std::string body_of(const ledger::Transaction& tx, bool wait) {
  return nlohmann::json{{"tx", to_hex(tx.encode())}, {"wait", wait}}.dump();
}

inline std::optional<uint64_t> status_height(node::HttpClient& client) {
  auto r = client.request("GET", "/api/v1/status", "", std::chrono::seconds(5));
  if (!r.ok() || r->status != 200) return std::nullopt;
  auto j = json::parse(r->body, nullptr, false);
  if (!j.is_object() || !j["height"].is_number_unsigned()) return std::nullopt;
  return j["height"].get<uint64_t>();
}

// What `numledger testnet init` is asked for.
struct TestnetSpec {
  unsigned validators = 4, observers = 0;
  std::string block_interval;  // empty: numledgerd's
  std::string chain_id = "bench-testnet";  // unused with a genesis
  std::string genesis, keystore;  // testnet init --genesis --keystore; empty: a new genesis
  bool netns = false;             // each node in a network namespace (root)
  std::string latency;            // testnet init --latency, one way; empty: none
  unsigned start_timeout_s = 180;  // testnet start --timeout: a full-size genesis takes minutes
};

// One testnet directory and its nodes, through the numledger CLI.
class Testnet {
 public:
  // 4 validators and `observers` observers, each with --block-interval.
  Testnet(unsigned observers, const std::string& block_interval, const std::string& chain_id)
      : Testnet(TestnetSpec{4, observers, block_interval, chain_id, "", "", false, "", 180}) {}
  explicit Testnet(const TestnetSpec& spec) : start_timeout_s_(spec.start_timeout_s) {
    std::vector<std::string> args = {"testnet", "init", "--validators", std::to_string(spec.validators), "--observers",
                                     std::to_string(spec.observers), "--dir", dir()};
    if (!spec.netns) {
      auto base = test::free_port_range(spec.validators + spec.observers);
      if (!base) die("no free port range");
      args.insert(args.end(), {"--base-port", std::to_string(*base)});
    } else {
      args.push_back("--netns");
    }
    if (spec.genesis.empty()) args.insert(args.end(), {"--chain-id", spec.chain_id});
    else args.insert(args.end(), {"--genesis", spec.genesis});
    if (!spec.keystore.empty()) args.insert(args.end(), {"--keystore", spec.keystore});
    if (!spec.block_interval.empty()) args.insert(args.end(), {"--block-interval", spec.block_interval});
    if (!spec.latency.empty()) args.insert(args.end(), {"--latency", spec.latency});
    auto r = cli(args);
    if (r.code != 0) die("testnet init: " + r.err);
    // Names and addresses as the testnet says (loopback ports or namespaces).
    auto st = cli({"testnet", "status", "--dir", dir(), "--json"});
    auto nodes = json::parse(st.out, nullptr, false);
    if (!nodes.is_array()) die("testnet status: " + st.err);
    for (const auto& n : nodes) {
      names_.push_back(n["name"].get<std::string>());
      urls_.push_back(n["url"].get<std::string>());
    }
    auto g = ledger::Genesis::load(dir() + "/genesis.json");
    if (!g) die(g.error());
    genesis_hash_ = g->hash();
  }
  ~Testnet() { stop(); }
  // Stops every node (idempotent).
  void stop() {
    if (stopped_) return;
    stopped_ = true;
    auto r = cli({"testnet", "stop", "--dir", dir(), "--timeout", "10"});
    if (r.code != 0) std::fprintf(stderr, "testnet stop: %s\n", r.err.c_str());
    keep_logs();
  }
  // Starts every node again after stop().
  void restart() {
    stopped_ = false;
    start({});
  }
  std::string dir() const { return tmp_ / "net"; }
  std::string url(size_t i) const { return urls_.at(i); }
  const std::vector<std::string>& names() const { return names_; }

  // Stops these nodes only; the others run on.
  void stop_only(const std::vector<std::string>& only) {
    std::vector<std::string> args = {"testnet", "stop", "--dir", dir(), "--timeout", "10"};
    for (const auto& n : only) args.insert(args.end(), {"--only", n});
    auto r = cli(args);
    if (r.code != 0) die("testnet stop: " + r.err);
  }
  void start(const std::vector<std::string>& only) {
    std::vector<std::string> args = {"testnet", "start", "--dir", dir(), "--timeout", std::to_string(start_timeout_s_)};
    for (const auto& n : only) args.insert(args.end(), {"--only", n});
    auto r = cli(args);
    if (r.code != 0) die("testnet start: " + r.err);
  }
  std::optional<uint64_t> height(size_t i) const {
    node::HttpClient client(url(i));
    return status_height(client);
  }
  void wait_height(size_t i, uint64_t h, double limit_s) const {
    auto t0 = Clock::now();
    while (height(i).value_or(0) < h) {
      if (seconds_since(t0) > limit_s) die(names_[i] + " did not reach height " + std::to_string(h));
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  // VmRSS of a node, MiB.
  double rss_mib(const std::string& name) const {
    std::string pid = test::slurp(dir() + "/" + name + "/numledgerd.pid");
    while (!pid.empty() && pid.back() == '\n') pid.pop_back();
    std::string status = test::slurp("/proc/" + pid + "/status");
    auto at = status.find("VmRSS:");
    if (at == std::string::npos) return 0;
    return std::strtod(status.c_str() + at + 6, nullptr) / 1024.0;
  }
  // What every transaction of this testnet signs, with its chain id.
  const crypto::Hash32& genesis_hash() const { return genesis_hash_; }
  crypto::SecretKey root() const {
    auto k = crypto::load_key_file(dir() + "/holders/root.key", std::nullopt);
    if (!k) die(k.error());
    return *k;
  }

 private:
  test::RunResult cli(std::vector<std::string> args) const {
    args.insert(args.begin(), bin_dir() + "/numledger");
    return test::run(args, {"NUMLEDGERD=" + bin_dir() + "/numledgerd"});
  }
  // With NL_BENCH_KEEP_LOGS=DIR, every node's log is copied to
  // DIR/<testnet number>-<node>.log before the testnet is removed.
  void keep_logs() const {
    const char* to = std::getenv("NL_BENCH_KEEP_LOGS");
    if (!to || !*to) return;
    static int made = 0;
    const int n = ++made;
    std::error_code ec;
    std::filesystem::create_directories(to, ec);
    for (const auto& name : names_)
      std::filesystem::copy_file(dir() + "/" + name + "/numledgerd.log",
                                 std::string(to) + "/" + std::to_string(n) + "-" + name + ".log",
                                 std::filesystem::copy_options::overwrite_existing, ec);
  }
  test::TempDir tmp_{"nl-bench-testnet"};
  std::vector<std::string> names_, urls_;
  bool stopped_ = false;
  unsigned start_timeout_s_ = 180;
  crypto::Hash32 genesis_hash_;
};

// Sees every block validator0 commits, as soon as it can, and notes when
// each transaction id first appeared in one.
class CommitWatcher {
 public:
  CommitWatcher(const Testnet& net, uint64_t after) : net_(net), next_(after + 1) {
    thread_ = std::thread([this] { loop(); });
  }
  ~CommitWatcher() {
    running_ = false;
    thread_.join();
  }
  size_t seen() const { return seen_.load(); }
  uint64_t blocks() const { return blocks_.load(); }
  // Blocks that carried transactions: when each was seen, and how many.
  std::vector<std::pair<Clock::time_point, size_t>> loaded_blocks() const {
    std::lock_guard lk(mu_);
    return loaded_;
  }
  std::optional<Clock::time_point> committed(const std::string& id) const {
    std::lock_guard lk(mu_);
    auto it = at_.find(id);
    if (it == at_.end()) return std::nullopt;
    return it->second;
  }
  // Sustained: the commit rate once the pipeline is full, i.e. the
  // transactions of every loaded block after the first over the time from
  // the first to the last; 0 with fewer than two loaded blocks.
  double sustained_tx_per_s() const {
    auto loaded = loaded_blocks();
    if (loaded.size() < 2) return 0;
    size_t after_first = 0;
    for (size_t i = 1; i < loaded.size(); ++i) after_first += loaded[i].second;
    const double span = std::chrono::duration<double>(loaded.back().first - loaded.front().first).count();
    return span > 0 ? static_cast<double>(after_first) / span : 0;
  }
  // Waits until `count` commits were seen; false, saying so, when nothing
  // new commits for `stall_s` seconds.
  bool wait_for(size_t count, double stall_s) const {
    size_t last = 0;
    auto progress = Clock::now();
    while (seen() < count) {
      if (seen() != last) {
        last = seen();
        progress = Clock::now();
      }
      if (seconds_since(progress) > stall_s) {
        std::fprintf(stderr, "%s: only %zu of %zu accepted transactions committed\n", program_invocation_short_name,
                     seen(), count);
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }

 private:
  void loop() {
    // One kept connection for the polls too: a new one every 2 ms cost
    // validator0 (and this process) CPU the other validators did not pay.
    node::HttpClient client(net_.url(0));
    while (running_) {
      uint64_t top = status_height(client).value_or(0);
      if (top < next_) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        continue;
      }
      for (; next_ <= top && running_; ++next_) {
        auto r = client.request("GET", "/api/v1/block/" + std::to_string(next_), "", std::chrono::seconds(30));
        if (!r.ok() || r->status != 200) break;
        const auto now = Clock::now();
        auto b = json::parse(r->body, nullptr, false);
        if (!b.is_object()) break;
        std::lock_guard lk(mu_);
        for (const auto& tx : b["txs"]) at_.emplace(tx["id"].get<std::string>(), now);
        if (!b["txs"].empty()) loaded_.emplace_back(now, b["txs"].size());
        seen_ = at_.size();
        ++blocks_;
      }
    }
  }
  const Testnet& net_;
  uint64_t next_;
  std::atomic<bool> running_{true};
  std::atomic<size_t> seen_{0};
  std::atomic<uint64_t> blocks_{0};
  mutable std::mutex mu_;
  std::map<std::string, Clock::time_point> at_;
  std::vector<std::pair<Clock::time_point, size_t>> loaded_;
  std::thread thread_;
};

}  // namespace nl::bench
