// End to end with real processes: numledgerd on 127.0.0.1 and the real
// numledger CLI. The holder story, hostile inputs, kill -9 and restart,
// a clean SIGTERM, and a corrupted block that the node refuses to start on.
#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "crypto/basics/bytes.h"
#include "ledger/transaction.h"
#include "node/client/http_client.h"
#include "support/process.h"

using namespace nl::test;
using nlohmann::json;

namespace {

const std::string kCli = NL_BIN_DIR "/numledger";
const std::string kNode = NL_BIN_DIR "/numledgerd";
const std::string kTamper = NL_BIN_DIR "/nl_tamper_block";

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

struct Net {
  TempDir dir{"nl-e2e"};
  int port = free_port();
  std::string url = "http://127.0.0.1:" + std::to_string(port);
  Daemon node;

  RunResult cli(std::vector<std::string> args) {
    args.insert(args.begin(), kCli);
    return run(args, {"NUMLEDGER_NODE=" + url});
  }
  std::string account_of(const std::string& key) {
    auto r = cli({"key", "show", key});
    REQUIRE(r.code == 0);
    return trim(r.out);
  }
  void start() {
    node.start({kNode, "--home", dir / "home", "--genesis", dir / "genesis.json", "--validator-key",
                dir / "validator.key", "--listen", "127.0.0.1:" + std::to_string(port), "--block-interval",
                "0.3"},
               dir / "node.log");
    for (int i = 0; i < 200; ++i) {
      auto r = nl::node::http_request(url, "GET", "/api/v1/status", "", std::chrono::seconds(2));
      if (r.ok() && r->status == 200) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL("node did not come up: " << node.log());
  }
  json get(const std::string& target) {
    auto r = nl::node::http_request(url, "GET", target, "", std::chrono::seconds(10));
    REQUIRE_MESSAGE(r.ok(), target);
    return json::parse(r->body);
  }
  std::pair<unsigned, json> post(const std::string& body) {
    auto r = nl::node::http_request(url, "POST", "/api/v1/tx", body, std::chrono::seconds(10));
    REQUIRE(r.ok());
    return {r->status, json::parse(r->body, nullptr, false)};
  }
};

}  // namespace

TEST_CASE("numledgerd end to end: holder story, hostile input, kill -9, corruption") {
  Net n;
  for (auto k : {"validator", "root", "alice", "bob"})
    REQUIRE(n.cli({"key", "new", "--out", n.dir / (std::string(k) + ".key"), "--no-passphrase"}).code == 0);
  std::string root = n.account_of(n.dir / "root.key"), alice = n.account_of(n.dir / "alice.key"),
              bob = n.account_of(n.dir / "bob.key"), validator = n.account_of(n.dir / "validator.key");
  REQUIRE(n.cli({"genesis", "new", "--chain-id", "e2e-test", "--validator", validator, "--root",
                 "10.0.0.0/8=" + root, "--root", "AS64496-AS64511=" + root, "--out", n.dir / "genesis.json"})
              .code == 0);
  n.start();

  // delegate, transfer with co-signature, a refused conflicting claim
  auto r = n.cli({"tx", "delegate", "10.1.0.0/16", "--to", alice, "--key", n.dir / "root.key", "--out",
                  n.dir / "d.tx"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  r = n.cli({"tx", "submit", n.dir / "d.tx"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  r = n.cli({"tx", "transfer", "10.1.0.0/24", "--to", bob, "--key", n.dir / "alice.key", "--out", n.dir / "t.tx"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  r = n.cli({"tx", "submit", n.dir / "t.tx"});
  CHECK(r.code == 1);  // recipient has not co-signed yet
  CHECK(r.err.find("co-signature") != std::string::npos);
  REQUIRE(n.cli({"tx", "sign", n.dir / "t.tx", "--key", n.dir / "bob.key"}).code == 0);
  r = n.cli({"tx", "submit", n.dir / "t.tx"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  r = n.cli({"tx", "delegate", "10.1.0.0/20", "--to", bob, "--key", n.dir / "root.key", "--out", n.dir / "c.tx"});
  REQUIRE(r.code == 0);
  r = n.cli({"tx", "submit", n.dir / "c.tx"});
  CHECK(r.code == 1);
  CHECK(r.err.find("overlaps") != std::string::npos);
  // bob holds the lowest overlapping piece (10.1.0.0/24, split off by the transfer)
  CHECK(r.err.find(bob) != std::string::npos);  // names the conflicting holder

  // query and proof
  r = n.cli({"query", "10.1.0.7", "--json"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(json::parse(r.out)["holder"] == bob);
  r = n.cli({"query", "10.1.200.0/24", "--json"});
  REQUIRE(r.code == 0);
  CHECK(json::parse(r.out)["holder"] == alice);
  REQUIRE(n.cli({"proof", "get", "10.1.0.0/24", "--out", n.dir / "p.proof"}).code == 0);
  r = n.cli({"proof", "verify", n.dir / "p.proof", "--genesis", n.dir / "genesis.json"});
  CHECK_MESSAGE(r.code == 0, r.err);
  CHECK(r.out.find(bob) != std::string::npos);
  // The custody chain: root's delegate to alice, alice's transfer to bob.
  CHECK_MESSAGE(r.out.find("custody: 2 hops and 0 key changes from the genesis holders") != std::string::npos, r.out);

  // key recovery: alice names bob; bob starts moving her to a new key;
  // query account shows it pending; alice's current key cancels it.
  REQUIRE(n.cli({"key", "new", "--out", n.dir / "alice2.key", "--no-passphrase"}).code == 0);
  r = n.cli({"tx", "set-recovery", "--key", n.dir / "alice.key", "--recovery", bob, "--delay", "30d", "--out",
             n.dir / "sr.tx"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  REQUIRE_MESSAGE(n.cli({"tx", "submit", n.dir / "sr.tx"}).code == 0, "set-recovery");
  r = n.cli({"tx", "recover", alice, "--new-key", n.dir / "alice2.key", "--key", n.dir / "bob.key", "--out",
             n.dir / "rc.tx"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  REQUIRE(n.cli({"tx", "sign", n.dir / "rc.tx", "--key", n.dir / "alice2.key"}).code == 0);
  r = n.cli({"tx", "submit", n.dir / "rc.tx"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  r = n.cli({"query", "account", alice, "--json"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  json acct_view = json::parse(r.out);
  CHECK(acct_view["recovery"]["accounts"] == json::array({bob}));
  REQUIRE(acct_view["pending_recovery"].is_object());
  CHECK(acct_view["pending_recovery"]["started_by"] == bob);
  CHECK(acct_view["current_key"] == nl::ledger::AccountId::parse(alice)->key.hex());
  r = n.cli({"query", "account", alice});
  CHECK(r.out.find("PENDING RECOVERY") != std::string::npos);
  r = n.cli({"tx", "cancel-recovery", "--key", n.dir / "alice.key", "--out", n.dir / "cr.tx"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  r = n.cli({"tx", "submit", n.dir / "cr.tx"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  r = n.cli({"query", "account", alice, "--json"});
  REQUIRE(r.code == 0);
  CHECK(json::parse(r.out)["pending_recovery"].is_null());

  // hostile input: each gets a clear 4xx and changes nothing. The block
  // after cancel-recovery's records its hash in the state (a custody hop),
  // so the state is compared from that block on; empty blocks after it
  // change nothing.
  const uint64_t cancelled_at = n.get("/api/v1/status")["height"];
  for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(15);
       n.get("/api/v1/status")["height"].get<uint64_t>() <= cancelled_at && std::chrono::steady_clock::now() < until;)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  json before = n.get("/api/v1/status");
  REQUIRE(before["height"].get<uint64_t>() > cancelled_at);
  auto [s1, j1] = n.post("{not json");
  CHECK(s1 == 400);
  CHECK(j1.contains("error"));
  auto tx_hex = json::parse(slurp(n.dir / "d.tx"))["tx"].get<std::string>();
  auto [s2, j2] = n.post(json{{"tx", tx_hex}}.dump());  // replay
  CHECK(s2 == 409);
  CHECK(j2["error"].get<std::string>().find("already committed") != std::string::npos);
  CHECK(j2["status"] == "committed");
  CHECK(j2["height"].get<uint64_t>() >= 1);
  // The CLI takes a replay of a committed transaction as done: exit 0.
  r = n.cli({"tx", "submit", n.dir / "d.tx"});
  CHECK_MESSAGE(r.code == 0, r.err);
  CHECK(r.out.find("already committed ") != std::string::npos);
  std::string bad_sig = tx_hex;
  bad_sig[bad_sig.size() - 3] = bad_sig[bad_sig.size() - 3] == '0' ? '1' : '0';
  auto [s3, j3] = n.post(json{{"tx", bad_sig}}.dump());
  CHECK(s3 == 400);
  CHECK(j3["error"].get<std::string>().find("signature") != std::string::npos);
  r = n.cli({"tx", "delegate", "10.2.0.0/16", "--to", alice, "--key", n.dir / "root.key", "--chain-id",
             "another-chain", "--genesis-hash", std::string(64, 'a'), "--nonce", "3", "--out", n.dir / "w.tx"});
  REQUIRE(r.code == 0);
  r = n.cli({"tx", "submit", n.dir / "w.tx"});
  CHECK(r.code == 1);
  CHECK(r.err.find("chain") != std::string::npos);
  // The right chain id, another genesis: refused at once, naming both hashes.
  r = n.cli({"tx", "delegate", "10.2.0.0/16", "--to", alice, "--key", n.dir / "root.key", "--chain-id", "e2e-test",
             "--genesis-hash", std::string(64, 'b'), "--nonce", "3", "--out", n.dir / "g.tx"});
  REQUIRE(r.code == 0);
  auto [sg, jg] = n.post(json{{"tx", json::parse(slurp(n.dir / "g.tx"))["tx"]}}.dump());
  CHECK(sg == 400);
  CHECK(jg["error"].get<std::string>().find("wrong genesis hash " + std::string(64, 'b')) != std::string::npos);
  auto [s4, j4] = n.post(json{{"tx", tx_hex.substr(0, 40)}}.dump());  // truncated
  CHECK(s4 == 400);
  // A body the size of the largest transaction in hex gets to the decoder...
  auto [s6, j6] = n.post(json{{"tx", std::string(2 * (nl::ledger::kMaxTxBytes + 1), 'a')}}.dump());
  CHECK(s6 == 400);
  CHECK(j6["error"].get<std::string>().find("the cap is") != std::string::npos);
  // ...and one past that is refused before it is read.
  auto [s5, j5] = n.post(std::string(2 * nl::ledger::kMaxTxBytes + 8192, 'x'));
  CHECK(s5 == 413);
  // a fresh transaction with an already-used nonce
  r = n.cli({"tx", "delegate", "10.3.0.0/16", "--to", alice, "--key", n.dir / "root.key", "--genesis",
             n.dir / "genesis.json", "--nonce", "1", "--out", n.dir / "replay.tx"});
  REQUIRE(r.code == 0);
  r = n.cli({"tx", "submit", n.dir / "replay.tx"});
  CHECK(r.code == 1);
  CHECK(r.err.find("nonce") != std::string::npos);
  // bytes that are not UTF-8, in a path and in a chain id: 400, never 500
  for (auto target : {"/api/v1/resource/%ff", "/api/v1/account/%ff%fe", "/api/v1/block/%ff", "/api/v1/history/%c3"}) {
    auto resp = nl::node::http_request(n.url, "GET", target, "", std::chrono::seconds(5));
    REQUIRE(resp.ok());
    CHECK_MESSAGE(resp->status == 400, target);
  }
  {
    auto raw = nl::from_hex(tx_hex).value();
    raw[1 + 4] = 0xff;  // first byte of the chain id (after version and length)
    auto [s6, j6] = n.post(json{{"tx", nl::to_hex(raw)}}.dump());
    CHECK(s6 == 400);
  }
  json after = n.get("/api/v1/status");
  CHECK(after["state_root"] == before["state_root"]);
  CHECK(after["holdings"] == before["holdings"]);

  // garbage, truncated and tampered proofs are refused offline
  std::string proof = slurp(n.dir / "p.proof");
  auto write = [&](const std::string& name, const std::string& bytes) {
    std::ofstream(n.dir / name, std::ios::binary) << bytes;
    return n.dir / name;
  };
  for (auto [name, bytes] : std::vector<std::pair<std::string, std::string>>{
           {"empty.proof", ""},
           {"garbage.proof", "hello, this is not a proof"},
           {"truncated.proof", proof.substr(0, proof.size() / 2)},
           {"tampered.proof", [&] {
              std::string t = proof;
              t[t.size() - 40] ^= 0x01;
              return t;
            }()}}) {
    CAPTURE(name);
    r = n.cli({"proof", "verify", write(name, bytes), "--genesis", n.dir / "genesis.json"});
    CHECK(r.code == 1);
    CHECK(r.err.find("invalid proof") != std::string::npos);
  }

  // kill -9, restart: nothing committed is lost
  uint64_t height = n.get("/api/v1/status")["height"];
  std::string state_root = n.get("/api/v1/status")["state_root"];
  n.node.kill(SIGKILL);
  n.start();
  json st = n.get("/api/v1/status");
  CHECK(st["height"].get<uint64_t>() >= height);
  // Of the same height: a later block records its parent's hash in the state.
  CHECK(n.get("/api/v1/block/" + std::to_string(height))["header"]["state_root"] == state_root);
  r = n.cli({"query", "10.1.0.7", "--json"});
  REQUIRE(r.code == 0);
  CHECK(json::parse(r.out)["holder"] == bob);
  r = n.cli({"history", "10.1.0.0/24", "--json"});
  REQUIRE(r.code == 0);
  json hist = json::parse(r.out);
  REQUIRE(hist["entries"].size() == 2);  // the delegation and the transfer, newest first
  CHECK(hist["entries"][0]["height"] >= hist["entries"][1]["height"]);
  CHECK(hist["next_cursor"].is_null());
  // A page of one, then the rest from its cursor.
  r = n.cli({"history", "10.1.0.0/24", "--limit", "1", "--json"});
  REQUIRE(r.code == 0);
  json first = json::parse(r.out);
  REQUIRE(first["entries"].size() == 1);
  CHECK(first["entries"][0]["id"] == hist["entries"][0]["id"]);
  REQUIRE(first["next_cursor"].is_string());
  r = n.cli({"history", "10.1.0.0/24", "--limit", "1", "--cursor", first["next_cursor"], "--json"});
  REQUIRE(r.code == 0);
  json second = json::parse(r.out);
  REQUIRE(second["entries"].size() == 1);
  CHECK(second["entries"][0]["id"] == hist["entries"][1]["id"]);
  CHECK(second["next_cursor"].is_null());
  r = n.cli({"history", "10.1.0.0/24", "--limit", "1"});
  CHECK(r.out.find("--cursor") != std::string::npos);  // the human form says how to go on

  // SIGTERM shuts down cleanly
  CHECK(n.node.kill(SIGTERM) == 0);
  CHECK(n.node.log().find("stopped cleanly") != std::string::npos);

  // a corrupted block: the node refuses to start and names the height
  auto t = run({kTamper, n.dir / "home/ledger", n.dir / "genesis.json", "2"});
  REQUIRE_MESSAGE(t.code == 0, t.err);
  n.node.start({kNode, "--home", n.dir / "home", "--genesis", n.dir / "genesis.json", "--validator-key",
                n.dir / "validator.key", "--listen", "127.0.0.1:" + std::to_string(n.port)},
               n.dir / "node2.log");
  int code = n.node.wait_exit(std::chrono::seconds(30));
  CHECK(code == 1);
  std::string log = slurp(n.dir / "node2.log");
  CHECK_MESSAGE(log.find("height 2") != std::string::npos, log);
}

// crypto/basics/heap_allocator.h: numledgerd allocates with jemalloc, asking
// for transparent huge pages unless MALLOC_CONF says otherwise.
TEST_CASE("numledgerd allocates with jemalloc on transparent huge pages, unless MALLOC_CONF says otherwise") {
  Net n;
  REQUIRE(n.cli({"key", "new", "--out", n.dir / "validator.key", "--no-passphrase"}).code == 0);
  REQUIRE(n.cli({"genesis", "new", "--chain-id", "heap-test", "--validator", n.account_of(n.dir / "validator.key"),
                 "--root", "10.0.0.0/8=" + n.account_of(n.dir / "validator.key"), "--out", n.dir / "genesis.json"})
              .code == 0);
  auto heap_line = [&] {
    const std::string log = n.node.log();
    const size_t at = log.rfind("heap: ");  // this start's, when the log is appended to
    return at == std::string::npos ? std::string() : log.substr(at, log.find('\n', at) - at);
  };
  unsetenv("MALLOC_CONF");
  n.start();
  CHECK_MESSAGE(heap_line().find("heap: jemalloc 5.") == 0, n.node.log());
  CHECK_MESSAGE(heap_line().find(", thp always") != std::string::npos, heap_line());
  // The library in the process itself, not only what the log says.
  CHECK(slurp("/proc/" + std::to_string(n.node.pid()) + "/maps").find("libjemalloc") != std::string::npos);
  CHECK(n.node.kill(SIGTERM) == 0);

  setenv("MALLOC_CONF", "thp:never", 1);
  n.start();
  CHECK_MESSAGE(heap_line().find(", thp never") != std::string::npos, heap_line());
  CHECK(n.node.kill(SIGTERM) == 0);
  unsetenv("MALLOC_CONF");
}
