// A real numledgerd (HTTP and whois ports on 127.0.0.1) with a small
// registry built through the real CLI, for the protocol interop tests.
//   genesis roots (held by `root`): 41.0.0.0/8 (with imported metadata),
//     2001:db8::/32, AS64496-AS64511
//   41.0.0.0/16    -> alice, then alice sets its metadata
//   41.0.1.0/24    -> bob, an assignment carved from alice's /16
//   41.0.128.0/17  -> transferred by alice to bob: splits alice's holding,
//                     which keeps 41.0.0.0/17
//   41.1.0.0/16    -> bob as a lease until 2099, renewed until 2100
//   2001:db8:1000::/36 -> alice, who then transfers all of it to bob
//   AS64500        -> bob, who then names it
#pragma once
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <sys/time.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "node/client/http_client.h"
#include "node_wait.h"
#include "process.h"

namespace nl::test {

// Connects to 127.0.0.1:port, sends `bytes` (optionally half-closing after),
// and returns everything received until the server closes or `timeout`
// passes without data. Send errors are ignored: a server may close early.
inline std::string tcp_exchange(int port, const std::string& bytes, bool half_close = false,
                                std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(s >= 0);
  timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(s);
    FAIL("cannot connect to 127.0.0.1:" << port);
  }
  for (size_t at = 0; at < bytes.size();) {
    ssize_t n = send(s, bytes.data() + at, bytes.size() - at, MSG_NOSIGNAL);
    if (n <= 0) break;
    at += static_cast<size_t>(n);
  }
  if (half_close) shutdown(s, SHUT_WR);
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = recv(s, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(s);
  return out;
}

struct RegistryStory {
  TempDir dir{"nl-interop"};
  int port = free_port();
  int whois_port = free_port();
  std::string url = "http://127.0.0.1:" + std::to_string(port);
  Daemon node;
  std::string root, alice, bob;
  uint64_t genesis_time = 0;
  // Heights at which the story's transactions committed.
  uint64_t h_delegate16 = 0, h_meta16 = 0, h_assign24 = 0, h_split = 0, h_lease = 0, h_renew = 0, h_v6 = 0,
           h_v6_transfer = 0, h_asn = 0, h_asn_meta = 0;

  static std::string bin(const char* name) { return std::string(NL_BIN_DIR) + "/" + name; }

  RunResult cli(std::vector<std::string> args) {
    args.insert(args.begin(), bin("numledger"));
    return run(args, {"NUMLEDGER_NODE=" + url});
  }

  std::string account_of(const std::string& key) {
    auto r = cli({"key", "show", key});
    REQUIRE_MESSAGE(r.code == 0, r.err);
    std::string s = r.out;
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }

  // Builds, optionally co-signs, submits and waits for commit; returns the height.
  uint64_t submit(std::vector<std::string> build, const std::string& signer, const std::string& cosigner = "") {
    const std::string file = dir / "story.tx";
    build.insert(build.begin(), "tx");
    build.insert(build.end(), {"--key", dir / (signer + ".key"), "--out", file});
    auto r = cli(build);
    REQUIRE_MESSAGE(r.code == 0, r.err);
    if (!cosigner.empty()) REQUIRE(cli({"tx", "sign", file, "--key", dir / (cosigner + ".key")}).code == 0);
    r = cli({"tx", "submit", file});
    REQUIRE_MESSAGE(r.code == 0, r.err);
    auto at = r.out.find(" at height ");
    REQUIRE_MESSAGE(at != std::string::npos, r.out);
    return std::stoull(r.out.substr(at + 11));
  }

  void start() {
    node.start({bin("numledgerd"), "--home", dir / "home", "--genesis", dir / "genesis.json", "--validator-key",
                dir / "validator.key", "--listen", "127.0.0.1:" + std::to_string(port), "--whois-listen",
                "127.0.0.1:" + std::to_string(whois_port), "--block-interval", "0.3"},
               dir / "node.log");
    if (!api_answers(url)) FAIL("node did not come up: " << node.log());
  }

  void build() {
    for (auto k : {"validator", "root", "alice", "bob"})
      REQUIRE(cli({"key", "new", "--out", dir / (std::string(k) + ".key"), "--no-passphrase"}).code == 0);
    root = account_of(dir / "root.key");
    alice = account_of(dir / "alice.key");
    bob = account_of(dir / "bob.key");
    auto r = cli({"genesis", "new", "--chain-id", "interop-test", "--validator", account_of(dir / "validator.key"),
                  "--root", "41.0.0.0/8=" + root, "--root", "2001:db8::/32=" + root, "--root",
                  "AS64496-AS64511=" + root, "--out", dir / "genesis.json"});
    REQUIRE_MESSAGE(r.code == 0, r.err);
    // Metadata as an importer would write it.
    auto g = nlohmann::json::parse(slurp(dir / "genesis.json"));
    genesis_time = g["genesis_time"].get<uint64_t>();
    for (auto& root_entry : g["roots"])
      if (root_entry["resource"] == "41.0.0.0/8") {
        root_entry["name"] = "AFRINIC-41";
        root_entry["country"] = "MU";
        root_entry["source_registry"] = "afrinic";
        root_entry["source_handle"] = "F36B9F4B";
      }
    std::ofstream(dir / "genesis.json", std::ios::trunc) << g.dump(2);
    start();

    h_delegate16 = submit({"delegate", "41.0.0.0/16", "--to", alice}, "root");
    h_meta16 = submit({"set-metadata", "41.0.0.0/16", "--name", "ALICE-NET", "--country", "ZA", "--abuse-contact",
                       "abuse@alice.example"},
                      "alice");
    h_assign24 = submit({"delegate", "41.0.1.0/24", "--to", bob, "--kind", "assignment"}, "alice");
    h_split = submit({"transfer", "41.0.128.0/17", "--to", bob}, "alice", "bob");
    h_lease = submit({"delegate", "41.1.0.0/16", "--to", bob, "--until", "2099-01-01T00:00:00Z"}, "root");
    h_renew = submit({"renew", "41.1.0.0/16", "--until", "2100-01-01T00:00:00Z"}, "root");
    h_v6 = submit({"delegate", "2001:db8:1000::/36", "--to", alice}, "root");
    h_v6_transfer = submit({"transfer", "2001:db8:1000::/36", "--to", bob}, "alice", "bob");
    h_asn = submit({"delegate", "AS64500", "--to", bob}, "root");
    h_asn_meta = submit({"set-metadata", "AS64500", "--name", "BOB-AS"}, "bob");
  }

  // The id of the holding with exactly `range`, from the JSON API (the
  // deepest holding containing it must be that one).
  uint64_t holding_id(const std::string& range) {
    auto r = node::http_request(url, "GET", "/api/v1/resource/" + range, "", std::chrono::seconds(10));
    REQUIRE(r.ok());
    REQUIRE_MESSAGE(r->status == 200, r->body);
    auto j = nlohmann::json::parse(r->body);
    REQUIRE_MESSAGE(!j["chain"].empty(), r->body);
    REQUIRE_MESSAGE(j["chain"].back()["range"] == range, r->body);
    return j["chain"].back()["id"].get<uint64_t>();
  }
};

}  // namespace nl::test
