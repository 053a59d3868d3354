// numledger testnet init|start|status|stop as an operator meets them: the
// directory init writes, precise errors and exit codes for bad input, the
// status table and its --json shape, a pid file that names some other
// process, a node that cannot start, and start/stop of a one-validator net.
#include <doctest/doctest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "ledger/genesis.h"
#include "support/testnet.h"

using namespace nl::test;
using nlohmann::json;

namespace {

RunResult nl_cli(std::vector<std::string> args) {
  args.insert(args.begin(), kTestnetCli);
  return run(args, {"NUMLEDGERD=" NL_BIN_DIR "/numledgerd"});
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

TEST_CASE("testnet init writes genesis, keys, configs and the root holder") {
  TempDir tmp("nl-tn-init");
  const std::string dir = tmp / "net";
  auto r = nl_cli({"testnet", "init", "--validators", "3", "--observers", "2", "--dir", dir, "--base-port", "31000"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(has(r.out, "3 validator(s), 2 observer(s), ports 31000-31004"));

  auto g = nl::ledger::Genesis::load(dir + "/genesis.json");
  REQUIRE_MESSAGE(g.ok(), g.error());
  CHECK(g->chain_id == "numledger-testnet");
  CHECK(g->validators.validators.size() == 3);
  // The root holder's key is unencrypted and holds the three default roots.
  auto show = nl_cli({"key", "show", dir + "/holders/root.key"});
  REQUIRE(show.code == 0);
  REQUIRE(g->roots.size() == 3);
  std::vector<std::string> roots;
  for (const auto& root : g->roots) {
    CHECK(root.holder.to_string() == trim(show.out));
    roots.push_back(root.range.to_string());
  }
  CHECK(roots == std::vector<std::string>{"10.0.0.0/8", "2001:db8::/32", "AS64496-AS64511"});
  CHECK(has(slurp(dir + "/holders/root.key"), "\"none\""));

  // Each validator's key is in the genesis; each config names its files.
  for (int i = 0; i < 3; ++i) {
    std::string name = "validator" + std::to_string(i);
    auto pk = nl::crypto::read_key_file_public(dir + "/" + name + "/validator.key");
    REQUIRE(pk.ok());
    CHECK(g->validators.find(*pk) != nullptr);
    std::string toml = slurp(dir + "/" + name + "/numledgerd.toml");
    CHECK(has(toml, "listen = \"127.0.0.1:" + std::to_string(31000 + i) + "\""));
    CHECK(has(toml, "home = \"" + dir + "/" + name + "/data\""));
    CHECK(has(toml, "validator-key = \"" + dir + "/" + name + "/validator.key\""));
    CHECK(has(toml, "genesis = \"" + dir + "/genesis.json\""));
    // Peers: every other validator, no observer, not itself.
    std::string peers = toml.substr(toml.find("peer = ["));
    peers = peers.substr(0, peers.find('\n'));
    for (int j = 0; j < 5; ++j)
      CHECK(has(peers, "\"127.0.0.1:" + std::to_string(31000 + j) + "\"") == (j != i && j < 3));
  }
  for (int i = 0; i < 2; ++i) {
    std::string name = "observer" + std::to_string(i);
    std::string toml = slurp(dir + "/" + name + "/numledgerd.toml");
    CHECK(!has(toml, "validator-key"));
    CHECK(has(toml, "node-key = \"" + dir + "/" + name + "/node.key\""));
    CHECK(std::filesystem::exists(dir + "/" + name + "/node.key"));
    CHECK(has(toml, "listen = \"127.0.0.1:" + std::to_string(31003 + i) + "\""));
    CHECK(has(toml, "peer = [\"127.0.0.1:31000\", \"127.0.0.1:31001\", \"127.0.0.1:31002\"]"));
  }

  // Status of a testnet that never started: every node down, in order,
  // and exit 1 so that scripts see it.
  auto st = nl_cli({"testnet", "status", "--dir", dir, "--json"});
  REQUIRE_MESSAGE(st.code == 1, st.err);
  CHECK(has(st.err, "5 of 5 nodes are down"));
  json arr = json::parse(st.out);
  REQUIRE(arr.is_array());
  REQUIRE(arr.size() == 5);
  const char* names[] = {"validator0", "validator1", "validator2", "observer0", "observer1"};
  for (size_t i = 0; i < 5; ++i) {
    CHECK(arr[i]["name"] == names[i]);
    CHECK(arr[i]["url"] == "http://127.0.0.1:" + std::to_string(31000 + i));
    CHECK(arr[i]["up"] == false);
    CHECK(arr[i]["height"].is_null());
    CHECK(arr[i]["pid"].is_null());
    CHECK(arr[i]["validator"] == (i < 3));
    CHECK(arr[i]["error"].is_string());
  }
  auto table = nl_cli({"testnet", "status", "--dir", dir});
  CHECK(table.code == 1);
  CHECK(has(table.out, "observer1"));
  CHECK(has(table.out, "down"));

  // Stopping it has nothing to do and says so.
  auto stop = nl_cli({"testnet", "stop", "--dir", dir});
  CHECK(stop.code == 0);
  CHECK(has(stop.out, "validator0: not running"));
}

TEST_CASE("testnet init options: chain id, roots, timing") {
  TempDir tmp("nl-tn-opts");
  const std::string dir = tmp / "net";
  auto r = nl_cli({"testnet", "init", "--validators", "1", "--dir", dir, "--chain-id", "my-chain", "--root",
                   "192.0.2.0/24", "--root", "AS65000", "--block-interval", "0.25", "--timeout-propose", "500"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  auto g = nl::ledger::Genesis::load(dir + "/genesis.json");
  REQUIRE(g.ok());
  CHECK(g->chain_id == "my-chain");
  REQUIRE(g->roots.size() == 2);
  CHECK(g->roots[0].range.to_string() == "192.0.2.0/24");
  CHECK(g->roots[1].range.to_string() == "AS65000");
  std::string toml = slurp(dir + "/validator0/numledgerd.toml");
  CHECK(has(toml, "block-interval = 0.25"));
  CHECK(has(toml, "timeout-propose = 500"));
  CHECK(!has(toml, "timeout-prevote"));
  CHECK(!has(toml, "peer ="));  // a single validator has no peers
  CHECK(has(toml, "listen = \"127.0.0.1:26600\""));
}

TEST_CASE("testnet commands refuse bad input with a precise error") {
  TempDir tmp("nl-tn-bad");
  const std::string dir = tmp / "net";

  SUBCASE("usage errors exit 2 and name the problem") {
    auto r = nl_cli({"testnet", "init", "--dir", dir});
    CHECK(r.code == 2);
    CHECK(has(r.err, "--validators"));
    r = nl_cli({"testnet", "init", "--validators", "0", "--dir", dir});
    CHECK(r.code == 2);
    r = nl_cli({"testnet", "init", "--validators", "2", "--dir", dir, "--base-port", "65535"});
    CHECK(r.code == 2);
    CHECK(has(r.err, "leaves no room for 2 nodes"));
    r = nl_cli({"testnet", "init", "--validators", "1", "--dir", dir, "--root", "10.0.0.0/33"});
    CHECK(r.code == 2);
    CHECK(has(r.err, "10.0.0.0/33"));
    r = nl_cli({"testnet", "init", "--validators", "1", "--dir", dir, "--root", "10.0.0.0/8", "--root", "10.1.0.0/16"});
    CHECK(r.code == 2);
    CHECK(has(r.err, "overlaps"));
    r = nl_cli({"testnet", "init", "--validators", "1", "--dir", dir, "--chain-id", std::string(65, 'x')});
    CHECK(r.code == 2);
    r = nl_cli({"testnet", "init", "--validators", "1", "--dir", dir, "--chain-id", "my chain"});
    CHECK(r.code == 2);
    CHECK(has(r.err, "without spaces"));
    r = nl_cli({"testnet", "init", "--validators", "1", "--dir", tmp / "a#b"});
    CHECK(r.code == 2);
    CHECK(has(r.err, "cannot go into a numledgerd config"));
    r = nl_cli({"testnet", "status"});
    CHECK(r.code == 2);
    r = nl_cli({"testnet"});
    CHECK(r.code == 2);
    // Nothing was left behind by the refused inits.
    CHECK(!std::filesystem::exists(dir));
  }

  SUBCASE("every subcommand has --help") {
    for (const char* sub : {"init", "start", "status", "stop"}) {
      auto r = nl_cli({"testnet", sub, "--help"});
      CHECK_MESSAGE(r.code == 0, sub);
      CHECK(has(r.out, "--dir"));
    }
  }

  SUBCASE("init refuses a directory that holds anything, and a file") {
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/precious") << "data";
    auto r = nl_cli({"testnet", "init", "--validators", "1", "--dir", dir});
    CHECK(r.code == 1);
    CHECK(has(r.err, "not empty"));
    CHECK(slurp(dir + "/precious") == "data");
    r = nl_cli({"testnet", "init", "--validators", "1", "--dir", dir + "/precious"});
    CHECK(r.code == 1);
    CHECK(has(r.err, "not a directory"));
    // An empty directory is fine.
    std::filesystem::create_directories(tmp / "empty");
    r = nl_cli({"testnet", "init", "--validators", "1", "--dir", tmp / "empty"});
    CHECK_MESSAGE(r.code == 0, r.err);
  }

  SUBCASE("status, start and stop need a testnet directory") {
    for (const char* sub : {"status", "start", "stop"}) {
      auto r = nl_cli({"testnet", sub, "--dir", tmp / "missing"});
      CHECK(r.code == 1);
      CHECK_MESSAGE(has(r.err, "no such directory"), r.err);
      std::filesystem::create_directories(tmp / "plain");
      r = nl_cli({"testnet", sub, "--dir", tmp / "plain"});
      CHECK(r.code == 1);
      CHECK_MESSAGE(has(r.err, "not a testnet directory"), r.err);
    }
    // A genesis that is not one.
    std::filesystem::create_directories(tmp / "broken");
    std::ofstream(tmp / "broken/genesis.json") << "{";
    auto r = nl_cli({"testnet", "status", "--dir", tmp / "broken"});
    CHECK(r.code == 1);
    CHECK(has(r.err, "not a testnet directory"));
    // A node config without a listen address.
    REQUIRE(nl_cli({"testnet", "init", "--validators", "1", "--dir", dir}).code == 0);
    std::ofstream(dir + "/validator0/numledgerd.toml", std::ios::trunc) << "home = \"/x\"\n";
    r = nl_cli({"testnet", "status", "--dir", dir});
    CHECK(r.code == 1);
    CHECK(has(r.err, "has no 'listen' setting"));
  }

  SUBCASE("start: unknown node, missing numledgerd") {
    REQUIRE(nl_cli({"testnet", "init", "--validators", "1", "--dir", dir}).code == 0);
    auto r = nl_cli({"testnet", "start", "--dir", dir, "--only", "validator7"});
    CHECK(r.code == 2);
    CHECK(has(r.err, "no such node"));
    CHECK(has(r.err, "validator0"));
    r = nl_cli({"testnet", "start", "--dir", dir, "--numledgerd", tmp / "nothing-here"});
    CHECK(r.code == 1);
    CHECK(has(r.err, "not an executable file"));
    r = run({kTestnetCli, "testnet", "start", "--dir", dir}, {"NUMLEDGERD=/nonexistent/numledgerd"});
    CHECK(r.code == 1);
    CHECK(has(r.err, "NUMLEDGERD=/nonexistent/numledgerd"));
  }

  SUBCASE("a pid file naming another process is stale, and that process is left alone") {
    REQUIRE(nl_cli({"testnet", "init", "--validators", "1", "--dir", dir}).code == 0);
    pid_t other = spawn({"/bin/sleep", "30"}, tmp / "sleep.out", tmp / "sleep.err");
    REQUIRE(other > 0);
    const std::string pid = std::to_string(other);
    std::ofstream(dir + "/validator0/numledgerd.pid") << pid << "\n";
    auto st = nl_cli({"testnet", "status", "--dir", dir, "--json"});
    REQUIRE(st.code == 1);  // down
    CHECK(json::parse(st.out)[0]["pid"].is_null());
    auto stop = nl_cli({"testnet", "stop", "--dir", dir});
    CHECK(stop.code == 0);
    CHECK(has(stop.out, "stale pid file"));
    CHECK(!std::filesystem::exists(dir + "/validator0/numledgerd.pid"));
    CHECK(TestnetHarness::alive(other));
    ::kill(other, SIGKILL);
    waitpid(other, nullptr, 0);
  }
}

TEST_CASE("testnet stop kills a node that ignores SIGTERM") {
  TempDir tmp("nl-tn-kill");
  const std::string dir = tmp / "net";
  REQUIRE(nl_cli({"testnet", "init", "--validators", "1", "--dir", dir}).code == 0);
  // A stand-in for a hung node: it ignores SIGTERM and carries the node's
  // config path among its arguments, as numledgerd --config would.
  const std::string config = dir + "/validator0/numledgerd.toml";
  pid_t hung = spawn({"/bin/sh", "-c", "trap '' TERM; while :; do sleep 0.2; done", config}, tmp / "hung.out",
                     tmp / "hung.err");
  REQUIRE(hung > 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::ofstream(dir + "/validator0/numledgerd.pid") << hung << "\n";
  auto st = nl_cli({"testnet", "status", "--dir", dir, "--json"});
  REQUIRE(st.code == 1);  // not answering is down
  CHECK(json::parse(st.out)[0]["pid"] == hung);  // running, though not answering
  CHECK(json::parse(st.out)[0]["up"] == false);
  auto stop = nl_cli({"testnet", "stop", "--dir", dir, "--timeout", "1"});
  CHECK(stop.code == 0);
  CHECK_MESSAGE(has(stop.out, "validator0: killed with SIGKILL (pid " + std::to_string(hung) + ")"), stop.out);
  int status = 0;
  REQUIRE(waitpid(hung, &status, 0) == hung);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  CHECK(!std::filesystem::exists(dir + "/validator0/numledgerd.pid"));
}

TEST_CASE("testnet start reports a node that cannot start, naming it and its log") {
  TestnetHarness net(TestnetOptions{.validators = 2});
  // Someone else holds validator1's port.
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(net.port("validator1")));
  REQUIRE(bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(listen(s, 4) == 0);
  auto r = net.cli({"testnet", "start", "--dir", net.dir(), "--timeout", "30"});
  close(s);
  CHECK(r.code == 1);
  CHECK_MESSAGE(has(r.err, "validator1 (" + net.url("validator1") + ")"), r.err);
  CHECK(has(r.err, net.dir() + "/validator1/numledgerd.log"));
  // validator0 came up and is still running; stop says so.
  auto stop = net.stop();
  CHECK(stop.code == 0);
  CHECK_MESSAGE(has(stop.out, "validator0: stopped"), stop.out);
}

TEST_CASE("testnet start, status and stop of a running one-validator testnet") {
  TestnetHarness net(TestnetOptions{.validators = 1, .observers = 1, .block_interval = 0.2});
  auto r = net.cli({"testnet", "start", "--dir", net.dir()});
  REQUIRE_MESSAGE(r.code == 0, r.err << net.logs_tail());
  CHECK(has(r.out, "validator0: started (pid"));
  CHECK(has(r.out, "observer0: started (pid"));
  CHECK(has(r.out, "NAME"));  // the table follows
  REQUIRE_MESSAGE(net.wait_height(net.names(), 3, std::chrono::seconds(30)), net.heights() << net.logs_tail());

  auto st = net.cli({"testnet", "status", "--dir", net.dir(), "--json"});
  REQUIRE_MESSAGE(st.code == 0, st.err);
  json arr = json::parse(st.out);
  REQUIRE(arr.size() == 2);
  for (const auto& n : arr) {
    CHECK(n["up"] == true);
    CHECK(n["height"].get<uint64_t>() >= 3);
    CHECK(n["peers"].get<uint64_t>() == 1);
    CHECK(std::regex_match(n["tip_hash"].get<std::string>(), std::regex("[0-9a-f]{64}")));
    CHECK(std::regex_match(n["state_root"].get<std::string>(), std::regex("[0-9a-f]{64}")));
    CHECK(n["pid"].get<int>() == *net.pid(n["name"].get<std::string>()));
    // The url works as NUMLEDGER_NODE.
    auto q = run({kTestnetCli, "query", "10.0.0.1", "--json"}, {"NUMLEDGER_NODE=" + n["url"].get<std::string>()});
    CHECK_MESSAGE(q.code == 0, q.err);
  }
  CHECK(arr[0]["node_key"] == net.node_key("validator0"));
  CHECK(arr[1]["node_key"] == net.node_key("observer0"));

  // Starting again starts nothing; with --json the status is on stdout and
  // the per-node lines on stderr.
  auto again = net.cli({"testnet", "start", "--dir", net.dir()});
  CHECK(again.code == 0);
  CHECK(has(again.out, "validator0: already running"));
  again = net.cli({"testnet", "start", "--dir", net.dir(), "--json"});
  REQUIRE_MESSAGE(again.code == 0, again.err);
  CHECK(has(again.err, "observer0: already running"));
  arr = json::parse(again.out);
  REQUIRE(arr.size() == 2);
  CHECK(arr[0]["name"] == "validator0");
  CHECK(arr[0]["up"] == true);
  CHECK(arr[0]["started"] == false);

  // The logs, each line with its node's name.
  auto logs = net.cli({"testnet", "logs", "--dir", net.dir(), "--only", "validator0"});
  REQUIRE_MESSAGE(logs.code == 0, logs.err);
  CHECK(has(logs.out, "validator0 | "));
  CHECK(!has(logs.out, "observer0 | "));
  CHECK(logs.out.find("validator0 | ") == 0);
  logs = net.cli({"testnet", "logs", "--dir", net.dir()});
  CHECK(has(logs.out, "observer0 | "));
  // --follow prints what a log gains, until stopped.
  {
    Daemon follow;
    const std::string out = net.dir() + "/follow.log";
    follow.start({kTestnetCli, "testnet", "logs", "--dir", net.dir(), "--only", "observer0", "--follow"}, out);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    std::ofstream(net.dir() + "/observer0/numledgerd.log", std::ios::app) << "a line the test appended\n";
    bool seen = false;
    for (int i = 0; i < 100 && !seen; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      seen = has(slurp(out + ".out"), "observer0 | a line the test appended\n");
    }
    CHECK_MESSAGE(seen, slurp(out + ".out"));
    CHECK(follow.running());
  }

  // Stop just the observer, then the rest.
  pid_t observer = *net.pid("observer0"), validator = *net.pid("validator0");
  auto stop = net.cli({"testnet", "stop", "--dir", net.dir(), "--only", "observer0"});
  CHECK(stop.code == 0);
  CHECK(has(stop.out, "observer0: stopped"));
  CHECK(!TestnetHarness::alive(observer));
  CHECK(TestnetHarness::alive(validator));
  st = net.cli({"testnet", "status", "--dir", net.dir(), "--json"});
  CHECK(st.code == 1);
  CHECK(has(st.err, "1 of 2 nodes are down"));
  arr = json::parse(st.out);
  CHECK(arr[0]["up"] == true);
  CHECK(arr[1]["up"] == false);
  stop = net.stop();
  CHECK(stop.code == 0);
  CHECK(has(stop.out, "validator0: stopped (pid " + std::to_string(validator) + ", SIGTERM)"));
  CHECK(!TestnetHarness::alive(validator));
  CHECK(!std::filesystem::exists(net.dir() + "/validator0/numledgerd.pid"));
  CHECK(has(net.log("validator0"), "stopped cleanly"));
}
