// Crash test with real processes: numledgerd takes a stream of delegations
// from two client threads (one signer each, nonces in order, wait=true), is
// killed with SIGKILL while requests are in flight, and restarts on the same
// home. Everything it acknowledged as committed must still be there at the
// acknowledged height, its state must be stable across another restart, and
// the rest of the stream must then go through.
#include <doctest/doctest.h>

#include <atomic>
#include <random>
#include <nlohmann/json.hpp>

#include "crypto/key_file.h"
#include "ledger/genesis.h"
#include "ledger/transaction.h"
#include "node/client/http_client.h"
#include "support/process.h"

using namespace nl::test;
using namespace nl::ledger;
using nlohmann::json;

namespace {

const std::string kCli = NL_BIN_DIR "/numledger";
const std::string kNode = NL_BIN_DIR "/numledgerd";
constexpr int kPerSigner = 150;  // 300 transactions in all
constexpr int kSigners = 2;

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

struct Node {
  TempDir dir{"nl-crash"};
  int port = free_port();
  std::string url = "http://127.0.0.1:" + std::to_string(port);
  Daemon daemon;
  int starts = 0;

  RunResult cli(std::vector<std::string> args) {
    args.insert(args.begin(), kCli);
    return run(args, {"NUMLEDGER_NODE=" + url});
  }
  void start() {
    daemon.start({kNode, "--home", dir / "home", "--genesis", dir / "genesis.json", "--validator-key",
                  dir / "validator.key", "--listen", "127.0.0.1:" + std::to_string(port), "--block-interval", "0.2"},
                 dir / ("node" + std::to_string(++starts) + ".log"));
    for (int i = 0; i < 400; ++i) {
      auto r = nl::node::http_request(url, "GET", "/api/v1/status", "", std::chrono::seconds(2));
      if (r.ok() && r->status == 200) return;
      if (!daemon.running()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL("node did not come up: " << daemon.log());
  }
  json get(const std::string& target) {
    auto r = nl::node::http_request(url, "GET", target, "", std::chrono::seconds(10));
    REQUIRE_MESSAGE(r.ok(), target << ": " << (r.ok() ? "" : r.error()));
    REQUIRE_MESSAGE(r->status == 200, target << ": " << r->status << " " << r->body);
    return json::parse(r->body);
  }
};

struct Prepared {
  std::string id;   // transaction id, hex
  std::string hex;  // canonical encoding, hex
};

// What a client thread saw.
struct Outcome {
  std::vector<std::pair<size_t, uint64_t>> acked;  // (index into its txs, committed height)
  size_t next = 0;                                   // first transaction not acknowledged
  std::string stopped_by;                            // why it stopped early, if it did
};

// Submits txs[from..] in order with wait=true until one is not acknowledged
// as committed (e.g. the node died); counts acks in `acked`.
void submit_stream(const std::string& url, const std::vector<Prepared>& txs, size_t from, Outcome& out,
                   std::atomic<int>& acked) {
  out.next = from;
  for (size_t i = from; i < txs.size(); ++i) {
    auto r = nl::node::http_request(url, "POST", "/api/v1/tx", json{{"tx", txs[i].hex}, {"wait", true}}.dump(),
                                    std::chrono::seconds(60));
    if (!r.ok()) {
      out.stopped_by = "request failed: " + r.error();
      return;
    }
    json j = json::parse(r->body, nullptr, false);
    if (r->status != 200 || j.is_discarded() || j.value("status", "") != "committed" ||
        j.value("id", "") != txs[i].id || !j.contains("height")) {
      out.stopped_by = "answer " + std::to_string(r->status) + ": " + r->body;
      return;
    }
    out.acked.emplace_back(i, j["height"].get<uint64_t>());
    out.next = i + 1;
    ++acked;
  }
}

// One client thread per signer, streaming txs[s] from from[s]. With
// kill_at >= 0 the node is killed with SIGKILL `kill_delay` after that many
// transactions are acknowledged, mid-stream; otherwise it waits for every
// client to finish. Past the deadline the node is killed too, so blocked
// clients return. The clients are joined before it returns; the result says
// whether the goal was reached in time.
bool stream_all(Node& n, const std::vector<std::vector<Prepared>>& txs, const std::vector<size_t>& from,
                std::vector<Outcome>& out, int kill_at, std::chrono::milliseconds kill_delay,
                std::chrono::seconds limit, int* acked_at_kill) {
  std::atomic<int> acked{0}, finished{0};
  std::vector<std::thread> clients;
  for (size_t s = 0; s < txs.size(); ++s)
    clients.emplace_back([&, s] {
      submit_stream(n.url, txs[s], from[s], out[s], acked);
      ++finished;
    });
  auto deadline = std::chrono::steady_clock::now() + limit;
  bool reached = false;
  while (std::chrono::steady_clock::now() < deadline) {
    if (kill_at >= 0 ? acked >= kill_at : finished == static_cast<int>(clients.size())) {
      reached = true;
      if (kill_at >= 0) std::this_thread::sleep_for(kill_delay);
      break;
    }
    if (finished == static_cast<int>(clients.size())) break;  // all gave up early
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (acked_at_kill) *acked_at_kill = acked;
  // Mid-stream: requests are in flight. A client that was between two
  // requests finds the node gone on its next one, so every client ends.
  if (kill_at >= 0 || !reached) n.daemon.kill(SIGKILL);
  for (auto& c : clients) c.join();
  return reached;
}

}  // namespace

TEST_CASE("numledgerd crash: kill -9 mid-stream loses nothing it acknowledged") {
  nl::crypto::init();
  Node n;
  for (auto k : {"validator", "root-a", "root-b", "alice", "bob"})
    REQUIRE(n.cli({"key", "new", "--out", n.dir / (std::string(k) + ".key"), "--no-passphrase"}).code == 0);
  auto account_of = [&](const std::string& key) {
    auto r = n.cli({"key", "show", n.dir / (key + ".key")});
    REQUIRE(r.code == 0);
    return trim(r.out);
  };
  // Two roots held by different keys: one signer per client thread, so
  // each thread's nonces arrive in order.
  REQUIRE(n.cli({"genesis", "new", "--chain-id", "crash-test", "--validator", account_of("validator"), "--root",
                 "10.0.0.0/9=" + account_of("root-a"), "--root", "10.128.0.0/9=" + account_of("root-b"), "--out",
                 n.dir / "genesis.json"})
              .code == 0);
  auto genesis = Genesis::load(n.dir / "genesis.json");
  REQUIRE_MESSAGE(genesis.ok(), genesis.error());
  const nl::crypto::Hash32 genesis_hash = genesis->hash();

  // Offline: every transaction built and signed up front, in process, with
  // the keys the CLI made. Each delegates a distinct /24 of its signer's /9.
  std::vector<std::string> signer_ids, recipient_ids;
  std::vector<std::vector<Prepared>> txs(kSigners);
  std::vector<std::vector<std::string>> ranges(kSigners);
  const char* signer_keys[kSigners] = {"root-a", "root-b"};
  const char* recipients[kSigners] = {"alice", "bob"};
  for (int s = 0; s < kSigners; ++s) {
    auto key = nl::crypto::load_key_file(n.dir / (std::string(signer_keys[s]) + ".key"));
    REQUIRE_MESSAGE(key.ok(), key.error());
    AccountId signer{key->public_key()};
    REQUIRE(signer.to_string() == account_of(signer_keys[s]));
    signer_ids.push_back(signer.to_string());
    recipient_ids.push_back(account_of(recipients[s]));
    auto to = AccountId::parse(recipient_ids.back());
    REQUIRE(to.ok());
    for (int i = 0; i < kPerSigner; ++i) {
      std::string range = "10." + std::to_string(128 * s + i / 256) + "." + std::to_string(i % 256) + ".0/24";
      Transaction tx;
      tx.chain_id = genesis->chain_id;
      tx.genesis_hash = genesis_hash;
      tx.signer = signer;
      tx.nonce = static_cast<uint64_t>(i) + 1;
      tx.body = DelegateBody{Resource::parse(range).value(), *to, HoldingKind::allocation, 0};
      tx.sign(*key);
      txs[s].push_back({tx.id().hex(), nl::to_hex(tx.encode())});
      ranges[s].push_back(range);
    }
  }

  n.start();

  // Phase 1: stream from two threads; kill -9 once about half are acknowledged.
  // Every client then ends on its first request the dead node can't answer.
  const int half = kSigners * kPerSigner / 2;
  std::vector<Outcome> outcome(kSigners);
  int acked_at_kill = 0;
  // stream_all kills the node a moment after `half` are acknowledged; both
  // clients are then (almost always) waiting on a request. The moment
  // varies so that the kill sometimes lands while a block is being
  // committed, not only while transactions wait in the mempool.
  std::random_device rd;
  auto kill_delay = std::chrono::milliseconds(rd() % 60);
  bool timed_out = !stream_all(n, txs, {0, 0}, outcome, half, kill_delay, std::chrono::seconds(120), &acked_at_kill);
  REQUIRE_MESSAGE(!timed_out, "only " << acked_at_kill << " acknowledged (" << outcome[0].stopped_by << "; "
                                      << outcome[1].stopped_by << "): " << slurp(n.dir / "node1.log"));
  uint64_t max_acked_height = 0;
  for (int s = 0; s < kSigners; ++s) {
    CAPTURE(s);
    // Each thread was cut off by the crash, not by a refusal.
    INFO("stopped by: " << outcome[s].stopped_by);
    CHECK(outcome[s].next < txs[s].size());
    CHECK(outcome[s].stopped_by.rfind("request failed", 0) == 0);
    for (auto [i, h] : outcome[s].acked) max_acked_height = std::max(max_acked_height, h);
  }
  MESSAGE("killed " << kill_delay.count() << " ms after " << half << " acknowledgements (" << acked_at_kill
                     << " by then); highest acknowledged height " << max_acked_height
                     << "; acknowledged per signer " << outcome[0].acked.size() << " + " << outcome[1].acked.size());

  // Restart on the same home: every acknowledged transaction is there, at
  // the height the node gave when it acknowledged it.
  n.start();
  json st = n.get("/api/v1/status");
  CHECK(st["height"].get<uint64_t>() >= max_acked_height);
  for (int s = 0; s < kSigners; ++s) {
    for (auto [i, h] : outcome[s].acked) {
      CAPTURE(ranges[s][i]);
      auto r = nl::node::http_request(n.url, "GET", "/api/v1/tx/" + txs[s][i].id, "", std::chrono::seconds(10));
      REQUIRE(r.ok());
      CHECK_MESSAGE(r->status == 200, r->body);
      if (r->status == 200) CHECK(json::parse(r->body)["height"].get<uint64_t>() == h);
    }
    // Nothing was committed out of order: what the account says is next is
    // just past the acknowledged ones, or one further (the request in flight
    // at the crash may have committed without an answer).
    uint64_t next_nonce = n.get("/api/v1/account/" + signer_ids[s])["next_nonce"];
    CHECK(next_nonce >= outcome[s].acked.size() + 1);
    CHECK(next_nonce <= outcome[s].acked.size() + 2);
  }
  // A spot check of the state itself: the last acknowledged /24 of each signer.
  for (int s = 0; s < kSigners; ++s) {
    if (outcome[s].acked.empty()) continue;
    size_t i = outcome[s].acked.back().first;
    json res = n.get("/api/v1/resource/" + ranges[s][i]);
    CHECK(res["holder"] == recipient_ids[s]);
  }

  // The state is stable across a second restart (another kill -9, idle this time).
  st = n.get("/api/v1/status");
  n.daemon.kill(SIGKILL);
  n.start();
  json st2 = n.get("/api/v1/status");
  // Blocks may have committed since (each records its parent's hash in the
  // state), so the state of the same height is compared.
  const uint64_t seen = st["height"];
  CHECK(n.get("/api/v1/block/" + std::to_string(seen))["header"]["state_root"] == st["state_root"]);
  CHECK(st2["holdings"] == st["holdings"]);
  CHECK(st2["height"].get<uint64_t>() >= st["height"].get<uint64_t>());

  // Phase 2: resume each stream at the account's next nonce; all commit.
  std::vector<Outcome> rest(kSigners);
  std::vector<size_t> resume_at(kSigners);
  for (int s = 0; s < kSigners; ++s) {
    uint64_t next_nonce = n.get("/api/v1/account/" + signer_ids[s])["next_nonce"];
    REQUIRE(next_nonce >= 1);
    resume_at[s] = next_nonce - 1;  // nonce k is txs[s][k - 1]
    // Those below it, acknowledged or not, are committed.
    for (size_t i = outcome[s].acked.size(); i < resume_at[s]; ++i)
      CHECK(n.get("/api/v1/tx/" + txs[s][i].id)["id"] == txs[s][i].id);
  }
  MESSAGE("resuming at nonces " << resume_at[0] + 1 << " and " << resume_at[1] + 1 << " (acknowledged "
                                 << outcome[0].acked.size() << " and " << outcome[1].acked.size() << ")");
  bool finished =
      stream_all(n, txs, resume_at, rest, -1, std::chrono::milliseconds(0), std::chrono::seconds(180), nullptr);
  REQUIRE_MESSAGE(finished, "the rest did not commit within 180 s: " << n.daemon.log());
  for (int s = 0; s < kSigners; ++s) {
    CAPTURE(s);
    CHECK_MESSAGE(rest[s].next == txs[s].size(), "stopped by: " << rest[s].stopped_by);
    CHECK(rest[s].acked.size() == txs[s].size() - resume_at[s]);
    CHECK(n.get("/api/v1/account/" + signer_ids[s])["next_nonce"] == kPerSigner + 1);
  }
  json end = n.get("/api/v1/status");
  CHECK(end["holdings"] == 2 + kSigners * kPerSigner);  // the two roots and every /24
  for (int s = 0; s < kSigners; ++s)
    for (size_t i = 0; i < txs[s].size(); i += 37) {
      CAPTURE(ranges[s][i]);
      CHECK(n.get("/api/v1/resource/" + ranges[s][i])["holder"] == recipient_ids[s]);
    }

  CHECK(n.daemon.kill(SIGTERM) == 0);
}
