// GET /metrics on a real 4-validator testnet (issue 17, item 3): the
// Prometheus text format, with what happened counted (commits, refusals
// by reason, commit latency, signature checks) and the levels read at the
// scrape (height, peers, RocksDB, the process). Then a real Prometheus
// server (Debian's `prometheus`) scrapes every node, and its HTTP API
// answers numledger_height for each.
#include <doctest/doctest.h>

#include <csignal>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "node/client/http_client.h"
#include "support/process.h"
#include "support/testnet.h"

using namespace nl;
using namespace nl::test;
using nlohmann::json;

namespace {

// The samples of a text exposition: "name{labels}" -> value.
std::map<std::string, double> samples(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    REQUIRE_MESSAGE(space != std::string::npos, line);
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

std::string scrape(const TestnetHarness& net, const std::string& name) {
  auto r = node::http_request(net.url(name), "GET", "/metrics", "", std::chrono::seconds(10));
  REQUIRE_MESSAGE(r.ok(), r.error());
  REQUIRE(r->status == 200);
  return r->body;
}

}  // namespace

TEST_CASE("metrics: every node exports commits, refusals by reason, latency, peers, RocksDB and the process") {
  TestnetHarness net;
  net.start();
  const auto key = crypto::SecretKey::generate();
  Reply ok = net.submit("validator0", net.root_tx(delegation("10.9.0.0/16", key.public_key()), 1));
  REQUIRE_MESSAGE(ok.status == 200, ok.body.dump());
  // Refused: a nonce already used, and a forged signature.
  Reply used = net.submit("validator0", net.root_tx(delegation("10.8.0.0/16", key.public_key()), 1));
  CHECK(used.status == 409);
  ledger::Transaction forged = net.root_tx(delegation("10.7.0.0/16", key.public_key()), 2);
  forged.signatures.front().sig.b[0] ^= 1;
  Reply bad = net.submit("validator0", forged, false);
  CHECK(bad.status == 400);

  const uint64_t committed_at = ok.body["height"];
  REQUIRE(net.wait_height(net.names(), committed_at, std::chrono::seconds(30)));
  for (const auto& name : net.names()) {
    CAPTURE(name);
    const std::string text = scrape(net, name);
    CHECK(text.find("# TYPE numledger_commit_latency_seconds histogram") != std::string::npos);
    auto s = samples(text);
    CHECK(s.at("numledger_height") >= static_cast<double>(committed_at));
    CHECK(s.at("numledger_validator") == 1);
    CHECK(s.at("numledger_peers{kind=\"validator\"}") == 3);
    CHECK(s.at("numledger_peers{kind=\"observer\"}") == 0);
    CHECK(s.at("numledger_committed_transactions_total") >= 1);
    CHECK(s.at("numledger_committed_blocks_total{source=\"consensus\"}") +
              s.at("numledger_committed_blocks_total{source=\"sync\"}") >=
          static_cast<double>(committed_at));
    CHECK(s.at("numledger_rounds_per_height_count") >= 1);
    CHECK(s.at("numledger_block_size_bytes_count") >= static_cast<double>(committed_at));
    CHECK(s.at("numledger_signature_checks_total") > 0);
    CHECK(s.at("numledger_rocksdb_sst_bytes{cf=\"state\"}") + s.at("numledger_rocksdb_memtable_bytes{cf=\"state\"}") > 0);
    CHECK(s.at("numledger_holdings") >= 2);  // the root and the delegation
    CHECK(s.at("process_resident_memory_bytes") > 1e6);
    CHECK(s.at("process_cpu_seconds_total") > 0);
    CHECK(s.count("numledger_refused_transactions_total{reason=\"rules\"}") == 1);  // every reason, from zero
    if (name == "validator0") {
      // The delegation waited in this mempool from arrival to commit.
      CHECK(s.at("numledger_commit_latency_seconds_count") >= 1);
      CHECK(s.at("numledger_refused_transactions_total{reason=\"nonce_used\"}") == 1);
      CHECK(s.at("numledger_refused_transactions_total{reason=\"signature\"}") == 1);
    }
  }
}

TEST_CASE("metrics: a real Prometheus scrapes a 4-validator testnet and answers numledger_height for every node") {
  const std::string prometheus = "/usr/bin/prometheus";
  REQUIRE_MESSAGE(::access(prometheus.c_str(), X_OK) == 0,
                  "Prometheus is missing: apt-get install prometheus (scripts/install-deps.sh does)");
  TestnetHarness net;
  net.start();
  TempDir dir("nl-prometheus");
  const int port = free_port();
  REQUIRE(port > 0);
  {
    std::ofstream cfg(dir / "prometheus.yml");
    cfg << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: numledger\n"
           "    static_configs:\n      - targets: [";
    for (size_t i = 0; i < net.names().size(); ++i)
      cfg << (i ? ", " : "") << "'127.0.0.1:" << net.port(net.names()[i]) << "'";
    cfg << "]\n";
  }
  Daemon prom;
  prom.start({prometheus, "--config.file=" + (dir / "prometheus.yml"), "--storage.tsdb.path=" + (dir / "data"),
              "--web.listen-address=127.0.0.1:" + std::to_string(port), "--log.level=warn"},
             dir / "prometheus.log");
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  json result;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < until) {
    auto r = node::http_request(url, "GET", "/api/v1/query?query=numledger_height", "", std::chrono::seconds(5));
    if (r.ok() && r->status == 200) {
      json j = json::parse(r->body, nullptr, false);
      if (j.is_object() && j["status"] == "success" && j["data"]["result"].size() == net.names().size()) {
        result = j["data"]["result"];
        break;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  REQUIRE_MESSAGE(result.is_array(), "Prometheus did not answer numledger_height for all 4 nodes in 60 s; its log:\n"
                                         << prom.log());
  std::set<std::string> instances;
  for (const auto& series : result) {
    instances.insert(series["metric"]["instance"].get<std::string>());
    CHECK(series["metric"]["job"] == "numledger");
    CHECK(std::stod(series["value"][1].get<std::string>()) >= 0);
  }
  for (const auto& name : net.names()) CHECK(instances.count("127.0.0.1:" + std::to_string(net.port(name))) == 1);
  CHECK(prom.kill(SIGTERM) == 0);
}
