// bench_replay's verdict: the registry exported from the testnet against
// the NEW statistics file, record by record (allocated and assigned
// records; available and reserved space is no holding). What no
// transaction can express is left out of the comparison and counted by
// kind:
//   - date-changed (import diff): only the registration date changed; the
//     ledger keeps the old one;
//   - date-of-changed-record: a record that is new, or changed in holder,
//     status or metadata, is compared without its date: no transaction
//     carries a registration date (the ledger dates it by its block or
//     keeps the date of the holding it came from);
//   - refused (import diff): a change the rules refused; its records are
//     left out whole.
// Header-only, like bench_testnet_net.h.
#pragma once
#include <cstdint>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

namespace nl::bench {

// One record line: registry|cc|type|start|value|date|status|opaque-id.
struct StatsRecord {
  std::vector<std::string> f;  // the 8 fields ("" for a missing opaque-id)
  size_t line = 0;
  std::string text() const {
    std::string t;
    for (size_t i = 0; i < f.size(); ++i) t += (i ? "|" : "") + f[i];
    return t;
  }
};
using RecordKey = std::tuple<std::string, std::string, std::string>;  // type, start, value

inline std::vector<std::string> split_bar(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  for (std::string part; std::getline(ss, part, '|');) out.push_back(part);
  if (!line.empty() && line.back() == '|') out.push_back("");
  return out;
}

// The allocated and assigned records of a statistics file, by key.
struct StatsFile {
  std::string registry, date;  // from the version line
  std::map<RecordKey, StatsRecord> records;
  std::map<size_t, RecordKey> by_line;
  bool ok = false;
};

inline StatsFile read_stats(const std::string& path) {
  StatsFile s;
  std::ifstream in(path);
  std::string line;
  size_t n = 0;
  bool version = true;
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    auto x = split_bar(line);
    if (version) {
      version = false;
      if (x.size() >= 3) s.registry = x[1], s.date = x[2];
      continue;
    }
    if (x.size() < 7 || x[1] == "*" || (x[6] != "allocated" && x[6] != "assigned")) continue;
    x.resize(8);
    RecordKey k{x[2], x[3], x[4]};
    s.by_line[n] = k;
    s.records[k] = StatsRecord{std::move(x), n};
  }
  s.ok = in.eof() && !s.registry.empty();
  return s;
}

struct Comparison {
  size_t compared = 0, equal = 0, missing = 0, extra = 0, differing = 0;
  std::map<std::string, size_t> excluded;  // by kind
  std::vector<std::string> differences;    // the first few, as lines
  bool equal_all() const { return missing == 0 && extra == 0 && differing == 0; }
};

// `exported` against `want` (NEW, or the file given with --expect), with
// `old` the snapshot the ledger started from and `inexpressible` import
// diff's report entries ({kind, file, line, detail}).
inline Comparison compare_export(const StatsFile& exported, const StatsFile& want, const StatsFile& old,
                                 const std::string& old_path, const std::string& new_path,
                                 const nlohmann::json& inexpressible, size_t shown = 20) {
  Comparison c;
  std::set<RecordKey> skip_whole, skip_date_changed;
  for (const auto& e : inexpressible) {
    const std::string kind = e.value("kind", ""), file = e.value("file", "");
    const size_t line = e.value("line", size_t{0});
    const StatsFile* in = file == new_path ? &want : file == old_path ? &old : nullptr;
    auto at = in ? in->by_line.find(line) : std::map<size_t, RecordKey>::const_iterator{};
    if (!in || at == in->by_line.end()) continue;
    if (kind == "date-changed") skip_date_changed.insert(at->second);
    else skip_whole.insert(at->second);
  }
  auto note = [&](const std::string& text) {
    if (c.differences.size() < shown) c.differences.push_back(text);
  };
  for (const auto& [key, w] : want.records) {
    if (skip_whole.count(key)) {
      ++c.excluded["refused"];
      continue;
    }
    ++c.compared;
    auto got = exported.records.find(key);
    if (got == exported.records.end()) {
      ++c.missing;
      note("missing from the export: " + w.text() + " (NEW line " + std::to_string(w.line) + ")");
      continue;
    }
    std::vector<std::string> a = got->second.f, b = w.f;
    auto before = old.records.find(key);
    const bool unchanged = before != old.records.end() && before->second.f == w.f;
    if (skip_date_changed.count(key)) {
      ++c.excluded["date-changed"];
      a[5] = b[5] = "";
    } else if (!unchanged) {
      if (a[5] != b[5]) ++c.excluded["date-of-changed-record"];
      a[5] = b[5] = "";
    }
    if (a == b) {
      ++c.equal;
    } else {
      ++c.differing;
      note("differs: export " + got->second.text() + " | NEW " + w.text() + " (NEW line " + std::to_string(w.line) + ")");
    }
  }
  for (const auto& [key, e] : exported.records) {
    if (want.records.count(key) || skip_whole.count(key)) continue;
    ++c.extra;
    note("not in NEW: " + e.text());
  }
  return c;
}

}  // namespace nl::bench
