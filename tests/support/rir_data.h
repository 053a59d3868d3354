// The real registry files in ../shared/data (next to the source tree, in CI
// too) and a deliberately naive reading of them, independent of the
// importer, that tests compare the importer against.
#pragma once
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "fixtures.h"
#include "ledger/interop/rir_import.h"

namespace nl::test {

// The path of a real data file; a missing file fails the test, never skips it.
inline std::string data_file(const std::string& name) {
  const std::string path = std::string(NL_SOURCE_DIR) + "/../shared/data/" + name;
  REQUIRE_MESSAGE(std::filesystem::is_regular_file(path),
                  "real registry data is missing: " << path << " (shared/data must sit next to the source tree)");
  return path;
}

inline std::vector<std::string> split_bars(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string f;
  while (std::getline(ss, f, '|')) out.push_back(f);
  if (!line.empty() && line.back() == '|') out.push_back("");
  return out;
}

// What a statistics file says about itself and what its lines hold.
struct StatsFacts {
  uint64_t header_records = 0;
  std::map<std::string, uint64_t> summary;                         // type -> declared
  std::map<std::string, std::map<std::string, uint64_t>> by_status;  // status -> type -> lines
};

inline StatsFacts read_facts(const std::string& path) {
  std::ifstream in(path);
  StatsFacts f;
  std::string line;
  bool first = true;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto x = split_bars(line);
    if (first) {
      first = false;
      f.header_records = std::stoull(x.at(3));
      continue;
    }
    if (x.size() >= 6 && x[5] == "summary") {
      f.summary[x[2]] = std::stoull(x[4]);
      continue;
    }
    f.by_status[x.at(6)][x.at(2)]++;
  }
  return f;
}

// The allocated and assigned records of a file, as their first `fields` fields.
inline std::set<std::vector<std::string>> granted_records(const std::string& path, size_t fields = 8) {
  std::ifstream in(path);
  std::set<std::vector<std::string>> out;
  std::string line;
  while (std::getline(in, line)) {
    auto x = split_bars(line);
    if (x.size() < 7 || x[1] == "*" || (x[6] != "allocated" && x[6] != "assigned")) continue;
    x.resize(fields);
    out.insert(x);
  }
  return out;
}

inline void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// Import options for `files`, with the real IANA CSVs unless told not to.
inline ledger::ImportOptions import_options(std::vector<std::string> files, bool iana = true) {
  ledger::ImportOptions o;
  o.stats_files = std::move(files);
  if (iana) {
    o.iana_ipv4 = data_file("iana-ipv4-address-space.csv");
    o.iana_ipv6 = data_file("iana-ipv6-unicast-address-assignments.csv");
  }
  o.chain_id = "import-test";
  o.validators = {seeded_account(100)};
  o.genesis_time = 1700000000;
  return o;
}

// Adds to `g` (root 10.0.0.0/8, test_genesis) one imported allocation of
// account 2 with an assignment of account 3 inside it, and account 2's
// authorization of 10.1.128.0/17 (the assignment took 10.1.0.0-10.1.0.2).
inline void add_example_imports(ledger::Genesis& g) {
  using namespace ledger;
  GenesisHolding alloc{Resource::parse("10.1.0.0/16").value(), seeded_account(2), HoldingKind::allocation,
                       Metadata{"", "ZA", "afrinic", "F364712F", ""}, "20071126", {}};
  alloc.children.push_back({Resource::parse("10.1.0.0-10.1.0.2").value(), seeded_account(3), HoldingKind::assignment,
                            Metadata{}, "", {}});
  g.holdings.push_back(alloc);
  g.authorizations.push_back({Resource::parse("10.1.128.0/17").value(), 24, 36994, seeded_account(2)});
}

inline bool has_issue(const ledger::ImportReport& r, const std::string& kind, const std::string& file, uint64_t line,
                      const std::string& detail_part = "") {
  for (const auto& i : r.inconsistencies)
    if (i.kind == kind && i.file == file && i.line == line && i.detail.find(detail_part) != std::string::npos)
      return true;
  return false;
}

}  // namespace nl::test
