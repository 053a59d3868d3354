// A real multi-process testnet on 127.0.0.1 for the `testnet` tests, made
// and run through the real CLI (numledger testnet init|start|stop): nodes
// are killed with SIGKILL by their pid files, restarted with `testnet
// start`, given faults (partitions, delays, drops...) through numledgerd's
// --fault-plan, and always stopped when the harness goes away.
#pragma once
#include <doctest/doctest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "crypto/key_file.h"
#include "ledger/genesis.h"
#include "ledger/transaction.h"
#include "node/client/http_client.h"
#include "process.h"

namespace nl::test {

inline const std::string kTestnetCli = NL_BIN_DIR "/numledger";

struct TestnetOptions {
  unsigned validators = 4;
  unsigned observers = 0;
  // Short intervals and timeouts keep the tests fast on a 2-core machine.
  double block_interval = 0.5;
  unsigned timeout_propose = 600, timeout_prevote = 300, timeout_precommit = 300;
  // Each node in its own network namespace (testnet init --netns; needs root).
  bool netns = false;
  std::string latency;  // testnet init --latency MS[:JITTER_MS]; empty: none
};

inline constexpr const char* kTestnetChain = "testnet-test";

// A transaction for the testnet of genesis hash `genesis` signed by `key`'s account.
inline ledger::Transaction signed_tx(const crypto::Hash32& genesis, const crypto::SecretKey& key, ledger::TxBody body,
                                     uint64_t nonce) {
  ledger::Transaction tx;
  tx.chain_id = kTestnetChain;
  tx.genesis_hash = genesis;
  tx.signer = ledger::AccountId{key.public_key()};
  tx.nonce = nonce;
  tx.body = std::move(body);
  tx.sign(key);
  return tx;
}

inline ledger::TxBody delegation(const std::string& range, const crypto::PublicKey& to) {
  return ledger::DelegateBody{ledger::Resource::parse(range).value(), ledger::AccountId{to},
                              ledger::HoldingKind::allocation, 0};
}

// One answer of a node's HTTP API.
struct Reply {
  bool reached = false;
  unsigned status = 0;
  nlohmann::json body;  // null when not JSON
  std::string error;    // why the node was not reached
};


class TestnetHarness {
 public:
  explicit TestnetHarness(TestnetOptions o = {}) {
    auto base = free_port_range(o.validators + o.observers);
    if (!base) FAIL("no range of " << o.validators + o.observers << " free ports on 127.0.0.1");
    base_port_ = *base;
    std::vector<std::string> args = {
        "testnet", "init", "--validators", std::to_string(o.validators), "--observers", std::to_string(o.observers),
        "--dir", dir(), "--base-port", std::to_string(base_port_), "--chain-id", kTestnetChain, "--block-interval",
        std::to_string(o.block_interval), "--timeout-propose", std::to_string(o.timeout_propose), "--timeout-prevote",
        std::to_string(o.timeout_prevote), "--timeout-precommit", std::to_string(o.timeout_precommit)};
    if (o.netns) args.push_back("--netns");
    if (!o.latency.empty()) args.insert(args.end(), {"--latency", o.latency});
    auto r = cli(args);
    REQUIRE_MESSAGE(r.code == 0, r.err);
    netns_ = o.netns;
    auto g = ledger::Genesis::load(genesis());
    REQUIRE_MESSAGE(g.ok(), genesis());
    genesis_hash_ = g->hash();
    for (unsigned i = 0; i < o.validators; ++i) names_.push_back("validator" + std::to_string(i));
    for (unsigned i = 0; i < o.observers; ++i) names_.push_back("observer" + std::to_string(i));
  }
  ~TestnetHarness() { stop_all(); }
  TestnetHarness(const TestnetHarness&) = delete;
  TestnetHarness& operator=(const TestnetHarness&) = delete;

  std::string dir() const { return tmp_ / "net"; }
  const std::vector<std::string>& names() const { return names_; }
  std::vector<std::string> validators() const {
    std::vector<std::string> v;
    for (const auto& n : names_)
      if (n.rfind("validator", 0) == 0) v.push_back(n);
    return v;
  }
  std::string node_dir(const std::string& name) const { return dir() + "/" + name; }
  unsigned port(const std::string& name) const {
    for (size_t i = 0; i < names_.size(); ++i)
      if (names_[i] == name) return base_port_ + static_cast<unsigned>(i);
    FAIL("no node " << name);
    return 0;
  }
  std::string url(const std::string& name) const {
    if (!netns_) return "http://127.0.0.1:" + std::to_string(port(name));
    // Its own address in its namespace, as its config says.
    const std::string config = slurp(node_dir(name) + "/numledgerd.toml");
    const size_t at = config.find("\nlisten = \"");
    REQUIRE_MESSAGE(at != std::string::npos, name << " has no listen address");
    const size_t from = at + 11;
    return "http://" + config.substr(from, config.find('"', from) - from);
  }
  // With netns: node `name`'s link to the bridge down (a real partition) or up.
  void set_link(const std::string& name, bool up) {
    REQUIRE(netns_);
    const std::string id = slurp(dir() + "/netns").substr(3);
    size_t i = 0;
    while (i < names_.size() && names_[i] != name) ++i;
    REQUIRE(i < names_.size());
    auto r = run({"/usr/sbin/ip", "link", "set", "nl" + std::to_string(std::stoul(id)) + "v" + std::to_string(i),
                  up ? "up" : "down"});
    REQUIRE_MESSAGE(r.code == 0, r.err);
  }
  std::string root_key() const { return dir() + "/holders/root.key"; }
  std::string genesis() const { return dir() + "/genesis.json"; }
  // Replaces the genesis every node starts from (before any starts), in
  // the compact form when it is large; transactions then bind its hash.
  void replace_genesis(const ledger::Genesis& g, ledger::Genesis::Format format = ledger::Genesis::Format::json) {
    REQUIRE(g.save(genesis(), format).ok());
    genesis_hash_ = g.hash();
  }
  std::string log(const std::string& name) const { return slurp(node_dir(name) + "/numledgerd.log"); }
  // The last `lines` lines of each named node's log, for failure messages.
  std::string logs_tail(const std::vector<std::string>& which = {}, size_t lines = 15) const {
    std::string out;
    for (const auto& n : which.empty() ? names_ : which) {
      std::string text = log(n);
      size_t pos = text.size();
      for (size_t i = 0; i <= lines && pos != std::string::npos && pos > 0; ++i) pos = text.rfind('\n', pos - 1);
      out += "\n--- " + n + " ---\n" + (pos == std::string::npos ? text : text.substr(pos + 1));
    }
    return out;
  }

  RunResult cli(std::vector<std::string> args, std::vector<std::string> env = {}) {
    args.insert(args.begin(), kTestnetCli);
    env.push_back("NUMLEDGERD=" NL_BIN_DIR "/numledgerd");
    return run(args, env);
  }

  // numledger testnet start: every node that is not running.
  void start() {
    auto r = cli({"testnet", "start", "--dir", dir(), "--timeout", "60"});
    REQUIRE_MESSAGE(r.code == 0, r.err << logs_tail());
  }
  RunResult stop() { return cli({"testnet", "stop", "--dir", dir(), "--timeout", "5"}); }

  std::optional<pid_t> pid(const std::string& name) const {
    std::string text = slurp(node_dir(name) + "/numledgerd.pid");
    if (text.empty() || text.find_first_not_of("0123456789\n") != std::string::npos) return std::nullopt;
    return static_cast<pid_t>(std::stol(text));
  }
  // kill -9 by the pid file; returns once the process is gone.
  void kill9(const std::string& name) {
    auto p = pid(name);
    REQUIRE_MESSAGE(p.has_value(), name << " has no pid file");
    REQUIRE(::kill(*p, SIGKILL) == 0);
    for (int i = 0; i < 200 && alive(*p); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    REQUIRE_MESSAGE(!alive(*p), name << " (pid " << *p << ") survived SIGKILL");
  }

  // Adds a line to a node's numledgerd.toml (before it starts).
  void add_config_line(const std::string& name, const std::string& line) {
    std::ofstream out(node_dir(name) + "/numledgerd.toml", std::ios::app);
    out << line << "\n";
    REQUIRE(out.good());
  }
  // Gives every node an empty fault plan, numledgerd --fault-plan (call
  // before start); set_plan, partition and heal change it while it runs.
  void enable_faults() {
    for (const auto& n : names_) {
      set_plan(n, "");
      add_config_line(n, "fault-plan = \"" + plan_file(n) + "\"");
    }
  }
  // Replaces a node's fault plan (node/transport/fault_plan.h); the node reads it
  // within 100 ms. By rename, so that it never reads half a file.
  void set_plan(const std::string& name, const std::string& text) {
    const std::string tmp = plan_file(name) + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << text;
      REQUIRE(out.good());
    }
    std::filesystem::rename(tmp, plan_file(name));
  }
  // Drops traffic between every node of `a` and every node of `b`.
  void partition(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    std::map<std::string, std::string> plan;
    for (const auto& x : a)
      for (const auto& y : b) {
        plan[x] += node_key(y) + " partition\n";
        plan[y] += node_key(x) + " partition\n";
      }
    for (const auto& n : names_) set_plan(n, plan[n]);
  }
  void heal() {
    for (const auto& n : names_) set_plan(n, "");
  }

  // The node key of a node: its validator key, or an observer's node key.
  crypto::PublicKey node_public_key(const std::string& name) const {
    std::string d = node_dir(name);
    std::string path = std::filesystem::exists(d + "/validator.key") ? d + "/validator.key" : d + "/node.key";
    auto pk = crypto::read_key_file_public(path);
    REQUIRE_MESSAGE(pk.ok(), path);
    return *pk;
  }
  std::string node_key(const std::string& name) const { return node_public_key(name).hex(); }

  Reply request(const std::string& name, const std::string& method, const std::string& target,
                const std::string& body = "", std::chrono::seconds timeout = std::chrono::seconds(10)) const {
    Reply r;
    auto h = node::http_request(url(name), method, target, body, timeout);
    if (!h.ok()) {
      r.error = h.error();
      return r;
    }
    r.reached = true;
    r.status = h->status;
    r.body = nlohmann::json::parse(h->body, nullptr, false);
    if (r.body.is_discarded()) r.body = nullptr;
    return r;
  }
  // A GET's answer as text, for failure messages (asserts nothing, so it
  // is safe inside a doctest message).
  std::string show(const std::string& name, const std::string& target) const {
    Reply r = request(name, "GET", target);
    return r.reached ? "HTTP " + std::to_string(r.status) + " " + r.body.dump() : r.error;
  }
  // GET that must succeed with 200.
  nlohmann::json get(const std::string& name, const std::string& target) const {
    Reply r = request(name, "GET", target);
    REQUIRE_MESSAGE(r.reached, name << " " << target << ": " << r.error);
    REQUIRE_MESSAGE(r.status == 200, name << " " << target << ": HTTP " << r.status << " " << r.body.dump());
    return r.body;
  }
  // POST /api/v1/tx, waiting for the commit (the node's own timeout). Reads
  // its own writes: first lets the node reach the height of the last commit
  // this harness was told of, as a client that moves between nodes must (a
  // node still one block behind refuses the signer's next nonce).
  Reply submit(const std::string& name, const ledger::Transaction& tx, bool wait = true) const {
    (void)wait_height({name}, last_commit_.load(), std::chrono::seconds(10));
    Reply r = request(name, "POST", "/api/v1/tx", nlohmann::json{{"tx", to_hex(tx.encode())}, {"wait", wait}}.dump(),
                      std::chrono::seconds(60));
    if (r.status == 200 && r.body.is_object() && r.body["height"].is_number_unsigned()) {
      uint64_t h = r.body["height"].get<uint64_t>(), seen = last_commit_.load();
      while (h > seen && !last_commit_.compare_exchange_weak(seen, h)) {
      }
    }
    return r;
  }
  // The height a node reports, or nullopt when it does not answer.
  std::optional<uint64_t> height(const std::string& name) const {
    Reply r = request(name, "GET", "/api/v1/status", "", std::chrono::seconds(2));
    if (!r.reached || r.status != 200 || !r.body.is_object() || !r.body["height"].is_number_unsigned())
      return std::nullopt;
    return r.body["height"].get<uint64_t>();
  }
  // Waits until every named node reports at least height `h`.
  bool wait_height(const std::vector<std::string>& which, uint64_t h, std::chrono::seconds limit) const {
    auto end = std::chrono::steady_clock::now() + limit;
    for (;;) {
      bool all = true;
      for (const auto& n : which) {
        auto got = height(n);
        all = all && got && *got >= h;
      }
      if (all) return true;
      if (std::chrono::steady_clock::now() >= end) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  std::string heights(const std::vector<std::string>& which = {}) const {
    std::string out;
    for (const auto& n : which.empty() ? names_ : which) {
      auto h = height(n);
      out += n + "=" + (h ? std::to_string(*h) : "down") + " ";
    }
    return out;
  }
  // The header of block h on a node: {"hash", "state_root", ...}.
  nlohmann::json header(const std::string& name, uint64_t h) const {
    auto b = get(name, "/api/v1/block/" + std::to_string(h));
    REQUIRE_MESSAGE(b.contains("header"), b.dump());
    return b["header"];
  }
  // Every named node has the same block hash and state root at heights 1..h.
  void require_agreement(const std::vector<std::string>& which, uint64_t h) const {
    for (uint64_t i = 1; i <= h; ++i) {
      auto first = header(which[0], i);
      for (size_t k = 1; k < which.size(); ++k) {
        auto other = header(which[k], i);
        REQUIRE_MESSAGE(other["hash"] == first["hash"], "height " << i << ": " << which[0] << " " << first["hash"]
                                                                   << " vs " << which[k] << " " << other["hash"]);
        REQUIRE_MESSAGE(other["state_root"] == first["state_root"], "height " << i);
      }
    }
  }

  // The height at which `id` (hex) is committed on a node, or nullopt.
  std::optional<uint64_t> committed_at(const std::string& name, const std::string& id) const {
    Reply r = request(name, "GET", "/api/v1/tx/" + id);
    if (!r.reached || r.status != 200 || !r.body.is_object() || !r.body["height"].is_number_unsigned())
      return std::nullopt;
    return r.body["height"].get<uint64_t>();
  }
  // `id` is committed at the same height on every named node (each given
  // a few seconds to reach that height).
  void require_committed(const std::vector<std::string>& which, const std::string& id) const {
    std::optional<uint64_t> first;
    for (int i = 0; i < 150 && !first; ++i) {
      first = committed_at(which[0], id);
      if (!first) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    REQUIRE_MESSAGE(first.has_value(), "tx " << id << " is not committed on " << which[0]);
    REQUIRE_MESSAGE(wait_height(which, *first, std::chrono::seconds(15)), "height " << *first << ": " << heights(which));
    for (size_t k = 1; k < which.size(); ++k)
      REQUIRE_MESSAGE(committed_at(which[k], id) == first, "tx " << id << " on " << which[k]);
  }
  // The highest height every named node has reached, once they agree on it
  // (waits for stragglers up to `limit`).
  uint64_t common_height(const std::vector<std::string>& which, std::chrono::seconds limit) const {
    uint64_t top = 0;
    for (const auto& n : which) top = std::max(top, height(n).value_or(0));
    REQUIRE_MESSAGE(wait_height(which, top, limit), "nodes did not reach " << top << ": " << heights(which));
    return top;
  }

  // A transaction signed by the root holder (DIR/holders/root.key).
  ledger::Transaction root_tx(ledger::TxBody body, uint64_t nonce) const {
    return tx_by(root_secret(), std::move(body), nonce);
  }
  // A transaction of this testnet (its genesis hash) signed by `key`'s account.
  ledger::Transaction tx_by(const crypto::SecretKey& key, ledger::TxBody body, uint64_t nonce) const {
    return signed_tx(genesis_hash(), key, std::move(body), nonce);
  }
  // The root's next delegation of a fresh 10.N.0.0/16 to a new key, N
  // being the root's nonce, counted here: callers that use it should not
  // sign for the root otherwise.
  ledger::Transaction next_root_delegation() {
    ++root_nonce_;
    return root_tx(delegation("10." + std::to_string(root_nonce_) + ".0.0/16", crypto::SecretKey::generate().public_key()),
                   root_nonce_);
  }
  // Submits the next delegation through `node` and waits until it commits;
  // its id.
  std::string commit_delegation(const std::string& node) {
    auto tx = next_root_delegation();
    Reply r = submit(node, tx);
    REQUIRE_MESSAGE(r.status == 200, node << ": " << r.status << " " << r.body.dump() << r.error << logs_tail());
    return tx.id().hex();
  }
  const crypto::Hash32& genesis_hash() const { return genesis_hash_; }
  crypto::SecretKey root_secret() const {
    auto k = crypto::load_key_file(root_key(), std::nullopt);
    REQUIRE_MESSAGE(k.ok(), root_key());
    return *k;
  }

  void stop_all() {
    if (stopped_) return;
    stopped_ = true;
    auto r = stop();
    // A backstop: whatever the CLI left running dies here.
    for (const auto& n : names_)
      if (auto p = pid(n); p && alive(*p)) ::kill(*p, SIGKILL);
    if (r.code != 0) std::fprintf(stderr, "testnet stop failed: %s\n", r.err.c_str());
  }

  static bool alive(pid_t p) {
    std::string stat = slurp("/proc/" + std::to_string(p) + "/stat");
    auto close = stat.rfind(')');
    return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z' && stat[close + 2] != 'X';
  }

 private:
  crypto::Hash32 genesis_hash_;  // what every transaction of this testnet binds
  std::string plan_file(const std::string& name) const { return node_dir(name) + "/faults.plan"; }

  TempDir tmp_{"nl-testnet"};
  unsigned base_port_ = 0;
  bool netns_ = false;
  std::vector<std::string> names_;
  bool stopped_ = false;
  mutable std::atomic<uint64_t> last_commit_{0};
  uint64_t root_nonce_ = 0;  // next_root_delegation's
};

// Whether `node` lists a peer with this node key in /api/v1/peers.
inline bool peer_listed(const TestnetHarness& net, const std::string& node, const crypto::PublicKey& key) {
  const auto answer = net.get(node, "/api/v1/peers");
  for (const auto& p : answer["peers"])
    if (p["key"] == key.hex()) return true;
  return false;
}

// The same, polled every 100 ms until `limit`.
inline bool listed_within(const TestnetHarness& net, const std::string& node, const crypto::PublicKey& key,
                          std::chrono::seconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (peer_listed(net, node, key)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

// Whether `node` has dropped the peer from its list by `limit`: the peer's
// socket may see the close before the node's list is updated.
inline bool unlisted_within(const TestnetHarness& net, const std::string& node, const crypto::PublicKey& key,
                            std::chrono::seconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (peer_listed(net, node, key)) {
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return true;
}

}  // namespace nl::test
