// Seven validators, each in a network namespace of its own with its own
// address on a private bridge (numledger testnet init --netns; issue 17,
// items 1 and 2): they agree; a partition made by taking links down heals;
// kill -9 and restart; an equivocating validator; and a run at 100 ms round
// trip (--latency 50, through the fault plan), in which every height still
// decides and a holder's delegation and transfer commit. Needs root, as CI
// has. Traffic stays on the testnet's own addresses (10.77.K.0/24).
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>

#include "ledger/account.h"
#include "support/testnet.h"

using namespace nl;
using namespace nl::test;

namespace {

TestnetOptions seven(const std::string& latency = "") {
  REQUIRE_MESSAGE(::geteuid() == 0, "the netns tests create network namespaces: run them as root (CI does)");
  TestnetOptions o;
  o.validators = 7;
  o.netns = true;
  o.latency = latency;
  return o;
}

}  // namespace

TEST_CASE("netns: init writes each node's own address; start without root says it needs root") {
  TempDir tmp("nl-netns-init");
  const std::string dir = tmp / "net";
  auto init = run({kTestnetCli, "testnet", "init", "--validators", "3", "--observers", "1", "--dir", dir, "--netns",
                   "--latency", "20:5"});
  REQUIRE_MESSAGE(init.code == 0, init.err);
  const std::string id = slurp(dir + "/netns").substr(3);
  const std::string prefix = "10.77." + std::to_string(std::stoul(id)) + ".";
  CHECK(slurp(dir + "/observer0/numledgerd.toml").find("listen = \"" + prefix + "5:26600\"") != std::string::npos);
  CHECK(slurp(dir + "/validator0/numledgerd.toml").find("\"" + prefix + "4:26600\"") != std::string::npos);
  CHECK(slurp(dir + "/validator1/latency.plan").find("* delay=20 jitter=5") != std::string::npos);
  auto bad = run({kTestnetCli, "testnet", "init", "--validators", "1", "--dir", tmp / "other", "--latency", "fast"});
  CHECK(bad.code == 2);
  CHECK_MESSAGE(bad.err.find("expected MS[:JITTER_MS]") != std::string::npos, bad.err);
  // As nobody: the directory must be readable to it.
  std::filesystem::permissions(tmp.path, std::filesystem::perms::all, std::filesystem::perm_options::add);
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir))
    std::filesystem::permissions(entry.path(), std::filesystem::perms::others_read | std::filesystem::perms::others_exec,
                                 std::filesystem::perm_options::add);
  auto start = run({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", kTestnetCli, "testnet",
                    "start", "--dir", dir, "--numledgerd", NL_BIN_DIR "/numledgerd"});
  CHECK(start.code == 1);
  CHECK_MESSAGE(start.err.find("start needs root to create them, the bridge and the veth pairs") != std::string::npos,
                start.err);
}

TEST_CASE("testnet init --host: self-contained node directories for separate machines; start refuses to run them here") {
  TempDir tmp("nl-hosts-init");
  const std::string dir = tmp / "net";
  auto init = run({kTestnetCli, "testnet", "init", "--validators", "2", "--observers", "1", "--dir", dir, "--host",
                   "192.0.2.10", "--host", "192.0.2.11", "--host", "192.0.2.12", "--base-port", "26656"});
  REQUIRE_MESSAGE(init.code == 0, init.err);
  const std::string v1 = slurp(dir + "/validator1/numledgerd.toml");
  CHECK(v1.find("listen = \"192.0.2.11:26656\"") != std::string::npos);
  CHECK(v1.find("peer = [\"192.0.2.10:26656\"]") != std::string::npos);
  CHECK(v1.find("home = \"data\"") != std::string::npos);
  CHECK(v1.find("genesis = \"genesis.json\"") != std::string::npos);
  CHECK(v1.find("validator-key = \"validator.key\"") != std::string::npos);
  CHECK(slurp(dir + "/validator1/genesis.json") == slurp(dir + "/genesis.json"));
  CHECK(slurp(dir + "/observer0/numledgerd.toml").find("node-key = \"node.key\"") != std::string::npos);
  auto start = run({kTestnetCli, "testnet", "start", "--dir", dir});
  CHECK(start.code == 1);
  CHECK_MESSAGE(start.err.find("was made with init --host") != std::string::npos, start.err);
  auto wrong = run({kTestnetCli, "testnet", "init", "--validators", "2", "--dir", tmp / "b", "--host", "192.0.2.10"});
  CHECK(wrong.code == 2);
  CHECK_MESSAGE(wrong.err.find("--host given 1 times for 2 nodes") != std::string::npos, wrong.err);
}

TEST_CASE("netns: 7 validators at their own addresses agree, and the root namespace reaches each") {
  TestnetHarness net(seven());
  net.start();
  const auto all = net.validators();
  for (const auto& n : all) CHECK_MESSAGE(net.url(n).rfind("http://10.77.", 0) == 0, net.url(n));
  auto st = net.cli({"testnet", "status", "--dir", net.dir(), "--json"});
  REQUIRE_MESSAGE(st.code == 0, st.err);
  auto j = nlohmann::json::parse(st.out);
  REQUIRE(j.size() == 7);
  for (const auto& node : j) {
    CHECK(node["up"] == true);
    CHECK(node["url"] == net.url(node["name"].get<std::string>()));
  }

  std::vector<std::string> ids;
  for (const auto& n : {"validator0", "validator3", "validator6"}) ids.push_back(net.commit_delegation(n));
  const uint64_t top = net.common_height(all, std::chrono::seconds(30));
  for (const auto& id : ids) net.require_committed(all, id);
  net.require_agreement(all, top);
  // The CLI, from the root namespace, with NUMLEDGER_NODE at a node's own address.
  auto q = net.cli({"query", "10.200.0.0/16", "--json"}, {"NUMLEDGER_NODE=" + net.url("validator5")});
  REQUIRE_MESSAGE(q.code == 0, q.err);
  const std::string root = ledger::AccountId{net.root_secret().public_key()}.to_string();
  CHECK_MESSAGE(nlohmann::json::parse(q.out)["holder"] == root, q.out);
  // Every peer link is a real address: each node lists its six peers at 10.77.K.x.
  const auto peers = net.get("validator0", "/api/v1/peers");  // kept: a loop over a temporary's member dangles
  CHECK(peers["peers"].size() == 6);
  for (const auto& p : peers["peers"]) CHECK(p["address"].get<std::string>().rfind("10.77.", 0) == 0);
}

TEST_CASE("netns: a partition made by taking two links down, then healed") {
  TestnetHarness net(seven());
  net.start();
  const auto all = net.validators();
  const std::vector<std::string> majority = {"validator0", "validator1", "validator2", "validator3", "validator4"};
  REQUIRE(net.wait_height(all, 2, std::chrono::seconds(30)));
  net.set_link("validator5", false);
  net.set_link("validator6", false);
  // Five of seven hold more than 2/3: they go on, and commit.
  const std::string id = net.commit_delegation("validator1");
  const uint64_t cut = net.common_height(majority, std::chrono::seconds(20));
  REQUIRE_MESSAGE(net.wait_height(majority, cut + 3, std::chrono::seconds(30)), net.heights());
  net.set_link("validator5", true);
  net.set_link("validator6", true);
  // The two catch up, and all seven agree.
  REQUIRE_MESSAGE(net.wait_height(all, cut + 3, std::chrono::seconds(60)), net.heights() << net.logs_tail());
  net.require_committed(all, id);
  net.require_agreement(all, net.common_height(all, std::chrono::seconds(20)));
}

TEST_CASE("netns: kill -9 and restart a validator in its namespace") {
  TestnetHarness net(seven());
  net.start();
  const auto all = net.validators();
  REQUIRE(net.wait_height(all, 2, std::chrono::seconds(30)));
  net.kill9("validator2");
  const std::string id = net.commit_delegation("validator4");
  net.start();  // restarts the one that is down, in the namespace it had
  REQUIRE_MESSAGE(net.wait_height({"validator2"}, net.committed_at("validator4", id).value(), std::chrono::seconds(60)),
                  net.heights() << net.logs_tail({"validator2"}));
  net.require_committed(all, id);
  net.require_agreement(all, net.common_height(all, std::chrono::seconds(20)));
}

TEST_CASE("netns: an equivocating validator is caught, and the six others stay safe and live") {
  TestnetHarness net(seven());
  net.enable_faults();
  net.set_plan("validator6", "* equivocate\n");
  net.start();
  const auto all = net.validators();
  const std::string liar = net.node_key("validator6");
  const std::string id = net.commit_delegation("validator0");
  bool caught = false;
  for (int i = 0; i < 300 && !caught; ++i) {
    const auto evidence = net.get("validator3", "/api/v1/evidence");
    for (const auto& ev : evidence["evidence"])
      caught = caught || (ev["validator_key"] == liar && ev.contains("committed_height"));
    if (!caught) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE_MESSAGE(caught, "no committed evidence against validator6: " << net.show("validator3", "/api/v1/evidence"));
  const auto evidence = net.get("validator3", "/api/v1/evidence");
  for (const auto& ev : evidence["evidence"]) CHECK(ev["validator_key"] == liar);
  net.require_committed(all, id);
  const uint64_t top = net.common_height(all, std::chrono::seconds(20));
  net.require_agreement(all, top);
  REQUIRE_MESSAGE(net.wait_height(all, top + 2, std::chrono::seconds(30)), net.heights());
}

TEST_CASE("netns: at 100 ms round trip every height decides and a holder's delegation and transfer commit") {
  TestnetHarness net(seven("50"));
  net.start();
  const auto all = net.validators();
  const auto holder = crypto::SecretKey::generate(), buyer = crypto::SecretKey::generate();
  Reply d = net.submit("validator1", net.root_tx(delegation("10.42.0.0/16", holder.public_key()), 1));
  REQUIRE_MESSAGE(d.status == 200, d.body.dump() << net.logs_tail());
  ledger::Transaction t = net.tx_by(
      holder, ledger::TransferBody{ledger::Resource::parse("10.42.0.0/16").value(), ledger::AccountId{buyer.public_key()}},
      1);
  t.sign(buyer);  // the recipient co-signs a transfer
  Reply r = net.submit("validator5", t);
  REQUIRE_MESSAGE(r.status == 200, r.body.dump() << net.logs_tail());
  const uint64_t top = net.common_height(all, std::chrono::seconds(30));
  REQUIRE(top >= 3);
  net.require_agreement(all, top);  // a block at every height 1..top, the same on all seven
  auto res = net.get("validator3", "/api/v1/resource/10.42.0.0/16");
  CHECK(res["holder"] == ledger::AccountId{buyer.public_key()}.to_string());
  // The delay is real: validator0's fault plan reports frames to validator1
  // held "K delayed A-B ms (mean M)", M about 50.
  const std::string marker = "fault plan: to " + net.node_key("validator1").substr(0, 16) + ": ";
  unsigned long delayed = 0, mean = 0;
  for (int i = 0; i < 100 && delayed == 0; ++i) {
    std::istringstream log(net.log("validator0"));
    for (std::string line; std::getline(log, line);) {
      const size_t at = line.find(marker);
      unsigned long frames = 0, dropped = 0, dup = 0, twins = 0, d = 0, lo = 0, hi = 0, m = 0;
      if (at != std::string::npos &&
          std::sscanf(line.c_str() + at + marker.size(),
                      "%lu frames, %lu dropped, %lu duplicated, %lu twins, %lu delayed %lu-%lu ms (mean %lu)", &frames,
                      &dropped, &dup, &twins, &d, &lo, &hi, &m) == 8)
        delayed = d, mean = m;
    }
    if (delayed == 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE_MESSAGE(delayed > 0, net.logs_tail({"validator0"}));
  CHECK(mean >= 45);
  CHECK(mean <= 200);
}
