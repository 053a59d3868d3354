// Batch submission against a real numledgerd: POST /api/v1/txs answers
// each transaction on its own, and `numledger tx submit FILE...` sends
// many files in batches, waits for commit and names every refusal.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/node_fixture.h"

using namespace nl;
using namespace nl::test;
using nlohmann::json;

namespace {

// Root's authorizations of a /24 each (10.(k/256).(k%256).0/24) with nonces
// from..to, one file each.
std::vector<std::string> authorize_files(NodeFixture& f, int from, int to) {
  std::vector<std::string> files;
  for (int k = from; k <= to; ++k) {
    const std::string file = f.dir / ("auth-" + std::to_string(k) + ".tx");
    const std::string prefix = "10." + std::to_string(k / 256) + "." + std::to_string(k % 256) + ".0/24";
    auto r = f.cli({"tx", "authorize", prefix, "--asn", "AS64500", "--max-length", "24",
                    "--key", f.dir / "root.key", "--nonce", std::to_string(k), "--out", file});
    REQUIRE_MESSAGE(r.code == 0, r.err);
    files.push_back(file);
  }
  return files;
}

json post_txs(NodeFixture& f, const std::string& body, unsigned want_status) {
  auto r = node::http_request(f.url, "POST", "/api/v1/txs", body, std::chrono::seconds(20));
  REQUIRE(r.ok());
  CHECK_MESSAGE(r->status == want_status, r->body);
  return json::parse(r->body);
}

}  // namespace

TEST_CASE("numledger tx submit FILE...: batches, progress, a summary, and each refusal named") {
  NodeFixture f;
  f.start();
  auto files = authorize_files(f, 1, 30);
  // A file that is not a transaction, and another transaction with nonce 5.
  const std::string junk = f.dir / "junk.tx";
  std::ofstream(junk) << "not a transaction\n";
  files.push_back(junk);
  const std::string clash = f.dir / "clash.tx";
  auto r = f.cli({"tx", "authorize", "10.200.0.0/16", "--asn", "AS64501", "--max-length", "24", "--key",
                  f.dir / "root.key", "--nonce", "5", "--out", clash});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  files.push_back(clash);

  std::vector<std::string> args{"tx", "submit"};
  args.insert(args.end(), files.begin(), files.end());
  args.insert(args.end(), {"--batch", "7", "--timeout", "60"});
  r = f.cli(args, {"NUMLEDGER_PROGRESS=1"});  // progress as on a terminal
  CHECK(r.code == 1);  // two refusals
  CHECK_MESSAGE(r.out.find("submitted 32: 30 committed, 0 pending, 2 refused") != std::string::npos, r.out);
  CHECK_MESSAGE(r.out.find(junk + ": invalid") != std::string::npos, r.out);
  CHECK_MESSAGE(r.out.find(clash + ": ") != std::string::npos, r.out);
  // Progress per batch of 7 (the unreadable file counts as done from the start).
  CHECK_MESSAGE(r.err.find("submit: sent 8/32") != std::string::npos, r.err);
  CHECK(r.err.find("submit: sent 32/32") != std::string::npos);
  CHECK(f.get("/api/v1/authorizations")["authorizations"].size() == 30);
  // Piped, as here without NUMLEDGER_PROGRESS, no progress: only the result.
  auto quiet = f.cli({"tx", "submit", files[0], files[1], "--timeout", "60"});
  CHECK(quiet.err.find("submit: ") == std::string::npos);
  CHECK_MESSAGE(quiet.out.find("submitted 2: 2 committed") != std::string::npos, quiet.out);

  // Again, as JSON: all are committed already, so only the two refusals remain.
  args.push_back("--json");
  r = f.cli(args);
  CHECK(r.code == 1);
  auto j = json::parse(r.out);
  CHECK(j["committed"] == 30);
  CHECK(j["refused"] == 2);
  REQUIRE(j["refusals"].size() == 2);
  CHECK(j["refusals"][0]["file"] == junk);
}

TEST_CASE("POST /api/v1/txs: one answer per transaction, and the batch's own limits") {
  NodeFixture f;
  f.start();
  auto files = authorize_files(f, 1, 3);
  json body{{"txs", json::array()}};
  for (const auto& file : files) {
    auto t = json::parse(slurp(file));
    body["txs"].push_back(t["tx"]);
  }
  body["txs"].push_back("zz");
  body["txs"].push_back(42);
  auto a = post_txs(f, body.dump(), 200);
  REQUIRE(a["results"].size() == 5);
  CHECK(a["accepted"] == 3);
  CHECK(a["refused"] == 2);
  for (int i = 0; i < 3; ++i) CHECK(a["results"][i]["status"] == "pending");
  CHECK(a["results"][3]["status"] == "invalid");
  CHECK(a["results"][3]["error"].get<std::string>().find("not valid hex") != std::string::npos);
  CHECK(a["results"][4]["error"] == "entry is not a string of hex");

  // Once committed, the same transactions answer with their height.
  bool committed = false;
  for (int i = 0; i < 600 && !committed; ++i) {
    committed = f.get("/api/v1/tx/" + a["results"][2]["id"].get<std::string>())["status"] == "committed";
    if (!committed) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE_MESSAGE(committed, "nonce 3 not committed within 60 s");
  body["txs"].erase(4);
  body["txs"].erase(3);
  auto again = post_txs(f, body.dump(), 200);
  for (int i = 0; i < 3; ++i) {
    CHECK(again["results"][i]["status"] == "committed");
    CHECK(again["results"][i]["height"].get<uint64_t>() >= 1);
  }

  post_txs(f, R"({"txs": []})", 400);
  post_txs(f, R"({"tx": "00"})", 400);
  json many{{"txs", json::array()}};
  for (int i = 0; i < 1001; ++i) many["txs"].push_back("00");
  auto big = post_txs(f, many.dump(), 413);
  CHECK(big["error"].get<std::string>().find("at most 1000") != std::string::npos);
  auto get = node::http_request(f.url, "GET", "/api/v1/txs", "", std::chrono::seconds(5));
  REQUIRE(get.ok());
  CHECK(get->status == 405);
}

TEST_CASE("numledger tx submit: transactions too far ahead of the account (busy) are sent again as the chain catches up") {
  NodeFixture f;
  f.start();
  // 300 of one account, last nonce first: nothing commits before nonce 1
  // arrives, in the last batch, so nonces past 256 are surely busy at first.
  auto files = authorize_files(f, 1, 300);
  std::reverse(files.begin(), files.end());
  std::vector<std::string> args{"tx", "submit"};
  args.insert(args.end(), files.begin(), files.end());
  args.insert(args.end(), {"--timeout", "120"});
  auto r = f.cli(args, {"NUMLEDGER_PROGRESS=1"});
  CHECK_MESSAGE(r.code == 0, r.out << r.err);
  CHECK_MESSAGE(r.out.find("submitted 300: 300 committed, 0 pending, 0 refused") != std::string::npos, r.out);
  CHECK_MESSAGE(r.err.find("busy ones sent again") != std::string::npos, r.err);
}
