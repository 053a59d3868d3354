// bench_replay on a slice of real change: AFRINIC's IPv6 records of
// 2023-03-23 and 2024-01-05 (the real files cut to one type). The replay
// through a 4-validator testnet ends in `export equals NEW: yes` and exit
// 0; compared with a NEW that was deliberately changed (one record's
// country, one record gone) it says `no`, names the differences and exits 1.
// Needs ../shared/data; fails saying so when it is missing.
#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/process.h"
#include "support/rir_data.h"

using namespace nl::test;
using nlohmann::json;

namespace {

const std::string kBench = NL_BIN_DIR "/bench_replay";

// `from` cut to its records of `type`, with a version line and a summary
// that count them (the importer checks both).
void slice(const std::string& from, const std::string& type, const std::string& to) {
  std::ifstream in(from);
  std::string version, line;
  std::getline(in, version);
  std::vector<std::string> kept;
  while (std::getline(in, line)) {
    auto x = split_bars(line);
    if (x.size() >= 7 && x[1] != "*" && x[2] == type) kept.push_back(line);
  }
  auto v = split_bars(version);
  REQUIRE(v.size() >= 7);
  v[3] = std::to_string(kept.size());
  std::ofstream out(to);
  for (size_t i = 0; i < v.size(); ++i) out << (i ? "|" : "") << v[i];
  out << "\n" << v[1] << "|*|" << type << "|*|" << kept.size() << "|summary\n";
  for (const auto& k : kept) out << k << "\n";
}

std::string last_line(const std::string& text) {
  std::string t = text;
  while (!t.empty() && t.back() == '\n') t.pop_back();
  return t.substr(t.rfind('\n') + 1);
}

// bench_replay with a hard stop: a hung replay cannot outlive the test.
RunResult replay(const std::string& old_file, const std::string& new_file, std::vector<std::string> more = {}) {
  std::vector<std::string> args = {"/usr/bin/timeout", "-k", "5", "55", kBench, "--old", old_file, "--new", new_file,
                                   "--iana-ipv4", data_file("iana-ipv4-address-space.csv"), "--iana-ipv6",
                                   data_file("iana-ipv6-unicast-address-assignments.csv"), "--block-interval", "0.5",
                                   "--stall", "30"};
  args.insert(args.end(), more.begin(), more.end());
  return run(args);
}

}  // namespace

TEST_CASE("bench_replay: AFRINIC's IPv6 change 2023 -> 2024 through a 4-validator testnet equals NEW") {
  TempDir dir("nl-replay-test");
  const std::string old_file = dir / "afrinic-ipv6-20230323", new_file = dir / "afrinic-ipv6-20240105";
  slice(data_file("delegated-afrinic-extended-20230323"), "ipv6", old_file);
  slice(data_file("delegated-afrinic-extended-20240105"), "ipv6", new_file);
  auto r = replay(old_file, new_file, {"--json"});
  INFO(r.err.substr(r.err.size() > 3000 ? r.err.size() - 3000 : 0));
  CHECK(r.code == 0);
  CHECK(last_line(r.err) == "export equals NEW: yes");
  auto j = json::parse(r.out, nullptr, false);
  REQUIRE(j.is_object());
  CHECK(j["export_equals_new"] == true);
  // Real change happened and went through the network.
  const size_t txs = j["transactions"].get<size_t>();
  CHECK(txs > 20);
  CHECK(j["committed"].get<size_t>() == txs);
  CHECK(j["by_kind"]["delegate"].get<size_t>() > 0);
  CHECK(j["submit_to_commit"]["count"].get<size_t>() == txs);
  CHECK(j["blocks_with_txs"].get<uint64_t>() >= 2);  // set-metadata waits for its delegation's block
  CHECK(j["compared"].get<size_t>() > 1000);
  CHECK(j["equal"] == j["compared"]);
}

TEST_CASE("bench_replay: an export compared with a deliberately changed NEW gives 'no' and exit 1") {
  TempDir dir("nl-replay-test-no");
  const std::string old_file = dir / "afrinic-ipv6-20230323", new_file = dir / "afrinic-ipv6-20240105",
                    expect = dir / "changed";
  slice(data_file("delegated-afrinic-extended-20230323"), "ipv6", old_file);
  slice(data_file("delegated-afrinic-extended-20240105"), "ipv6", new_file);
  // One allocated record gets another country, the next one is left out.
  std::ifstream in(new_file);
  std::ofstream out(expect);
  std::string line, changed, dropped;
  while (std::getline(in, line)) {
    auto x = split_bars(line);
    if (x.size() >= 8 && x[1] != "*" && x[6] == "allocated") {
      if (changed.empty()) {
        changed = x[3];
        x[1] = x[1] == "ZZ" ? "ZY" : "ZZ";
        for (size_t i = 0; i < x.size(); ++i) out << (i ? "|" : "") << x[i];
        out << "\n";
        continue;
      }
      if (dropped.empty()) {
        dropped = x[3];
        continue;
      }
    }
    out << line << "\n";
  }
  out.close();
  REQUIRE(!dropped.empty());
  auto r = replay(old_file, new_file, {"--expect", expect});
  INFO(r.out, r.err.substr(r.err.size() > 2000 ? r.err.size() - 2000 : 0));
  CHECK(r.code == 1);
  const std::string verdict = last_line(r.out);
  CHECK(verdict.rfind("export equals NEW: no (0 missing, 1 extra, 1 differing of ", 0) == 0);
  CHECK(r.out.find("differs: export afrinic|") != std::string::npos);
  CHECK(r.out.find("|" + changed + "|") != std::string::npos);
  CHECK(r.out.find("not in NEW: afrinic|") != std::string::npos);
  CHECK(r.out.find("|" + dropped + "|") != std::string::npos);
}
