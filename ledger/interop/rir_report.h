// The import report: what the institutional files held, what became
// holdings, and every inconsistency found on the way. The inconsistencies
// are a research result in their own right (DESIGN.md §9), so each names
// its file and line.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ledger/resource.h"

namespace nl::ledger {

// Kinds of inconsistency, as they appear in the report.
namespace issue {
inline constexpr const char* kMalformed = "malformed";          // a line that does not parse
inline constexpr const char* kTruncated = "truncated";          // the file ends inside a line
inline constexpr const char* kMissingVersion = "missing-version-line";
inline constexpr const char* kHeaderCount = "header-count-mismatch";
inline constexpr const char* kSummaryCount = "summary-count-mismatch";
inline constexpr const char* kDuplicate = "duplicate";          // same range as an earlier record
inline constexpr const char* kOverlap = "overlap";              // overlaps an earlier record
inline constexpr const char* kOutsideIana = "outside-iana";     // not in IANA's space for that registry
inline constexpr const char* kVrpUncovered = "vrp-uncovered";   // no imported record covers the prefix
inline constexpr const char* kVrpSplit = "vrp-split-control";   // several holders share the prefix
inline constexpr const char* kVrpInvalid = "vrp-invalid";       // an entry that is not a valid VRP
inline constexpr const char* kVrpDuplicate = "vrp-duplicate";
inline constexpr const char* kIanaNested = "iana-nested";       // an IANA row inside another; left out
}  // namespace issue

struct Inconsistency {
  std::string kind, file;
  uint64_t line = 0;  // 0: the file as a whole
  std::string detail;
};

struct TypeCounts {
  uint64_t ipv4 = 0, ipv6 = 0, asn = 0;
  void add(Family f) { ++at(f); }
  uint64_t& at(Family f) { return f == Family::ipv4 ? ipv4 : f == Family::ipv6 ? ipv6 : asn; }
  uint64_t get(Family f) const { return f == Family::ipv4 ? ipv4 : f == Family::ipv6 ? ipv6 : asn; }
  uint64_t total() const { return ipv4 + ipv6 + asn; }
};

// What one statistics file declared about itself, and what it held.
struct FileReport {
  std::string file, registry, serial;
  uint64_t declared_records = 0, record_lines = 0;
  TypeCounts declared, found;
};

struct ImportReport {
  std::map<std::string, TypeCounts> records;  // allocated + assigned records read, by registry
  std::map<std::string, TypeCounts> available, reserved;  // read, counted, not imported
  std::vector<FileReport> files;
  // Roots are IANA's whole space of each family: a node counts them as
  // holdings too (GET /api/v1/status), so the report does.
  uint64_t root_holdings = 0, designation_holdings = 0, record_holdings = 0;
  uint64_t accounts = 0, new_accounts = 0;
  uint64_t vrps = 0, authorizations = 0;
  std::vector<Inconsistency> inconsistencies;

  uint64_t holdings() const { return root_holdings + designation_holdings + record_holdings; }
  std::map<std::string, uint64_t> inconsistencies_by_kind() const;
  nlohmann::json to_json() const;
  std::string summary() const;  // for people, several lines
};

}  // namespace nl::ledger
