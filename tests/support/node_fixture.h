// One real numledgerd on 127.0.0.1 with a fresh genesis, driven through
// the real numledger CLI: keys "validator" and "root"; root holds
// 10.0.0.0/8, 2001:db8::/32 and AS64496-AS64511.
#pragma once
#include <doctest/doctest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "node/client/http_client.h"
#include "node_wait.h"
#include "process.h"

namespace nl::test {

inline const std::string kCliBin = NL_BIN_DIR "/numledger";
inline const std::string kNodeBin = NL_BIN_DIR "/numledgerd";

struct NodeFixture {
  TempDir dir{"nl-interop"};
  int port = free_port();
  std::string url = "http://127.0.0.1:" + std::to_string(port);
  Daemon node;
  std::string root;  // account id of the root holder
  std::vector<std::string> launcher;  // runs the node, e.g. {"/usr/bin/prlimit", "--nofile=128:1024", "--"}

  RunResult cli(std::vector<std::string> args, std::vector<std::string> env = {}) {
    args.insert(args.begin(), kCliBin);
    env.push_back("NUMLEDGER_NODE=" + url);
    return run(args, env);
  }

  std::string new_key(const std::string& name) {
    auto r = cli({"key", "new", "--out", dir / (name + ".key"), "--no-passphrase"});
    REQUIRE_MESSAGE(r.code == 0, r.err);
    return r.out.substr(0, r.out.find('\n'));
  }

  // Creates keys and genesis, then starts the node with `extra` flags.
  void start(const std::vector<std::string>& extra = {}) {
    std::string validator = new_key("validator");
    root = new_key("root");
    auto r = cli({"genesis", "new", "--chain-id", "interop-test", "--validator", validator, "--root",
                  "10.0.0.0/8=" + root, "--root", "2001:db8::/32=" + root, "--root", "AS64496-AS64511=" + root,
                  "--out", dir / "genesis.json", "--time", "1700000000"});
    REQUIRE_MESSAGE(r.code == 0, r.err);
    std::vector<std::string> argv = {kNodeBin, "--home", dir / "home", "--genesis", dir / "genesis.json",
                                     "--validator-key", dir / "validator.key", "--listen",
                                     "127.0.0.1:" + std::to_string(port), "--block-interval", "0.2"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.insert(argv.begin(), launcher.begin(), launcher.end());
    node.start(argv, dir / "node.log");
    if (!api_answers(url)) FAIL("node did not come up: " << node.log());
  }

  // Root signs a route-origin authorization (or withdrawal) and submits it.
  void roa(const std::string& verb, const std::string& prefix, const std::string& asn, int max_length) {
    std::string file = dir / ("roa-" + std::to_string(++txs_) + ".tx");
    auto r = cli({"tx", verb, prefix, "--asn", asn, "--max-length", std::to_string(max_length), "--key",
                  dir / "root.key", "--out", file});
    REQUIRE_MESSAGE(r.code == 0, r.err);
    r = cli({"tx", "submit", file});
    REQUIRE_MESSAGE(r.code == 0, r.err);
  }

  nlohmann::json get(const std::string& target) {
    auto r = node::http_request(url, "GET", target, "", std::chrono::seconds(10));
    REQUIRE_MESSAGE(r.ok(), target);
    return nlohmann::json::parse(r->body);
  }

 private:
  int txs_ = 0;
};

}  // namespace nl::test
