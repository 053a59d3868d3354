// The RIR statistics exchange format (NRO): the delegated-<rir>-latest
// files (7 fields), the extended ones with an opaque-id (8 fields), and the
// NRO's combined file (8 fields, every registry; extra trailing fields are
// tolerated). A file is
//   version|registry|serial|records|startdate|enddate|UTCoffset
//   registry|*|type|*|count|summary            one per type
//   registry|cc|type|start|value|date|status[|opaque-id[|...]]
// where value is an address count for ipv4 (any count, not only powers of
// two), a prefix length for ipv6 and a count of AS numbers for asn.
// Comments (#), even cut ones, blank lines and a UTF-8 byte order mark
// are skipped.
//
// The reader streams: records go to a callback one by one. What is wrong
// with a file (a malformed or cut line, counts that disagree with the
// version or summary lines) is reported as an issue with its line, never
// thrown and never silently skipped. A last line without a newline is
// always a `truncated` issue, even when it parses (and is then still read).
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/basics/result.h"
#include "ledger/resource.h"

namespace nl::ledger {

enum class RirStatus : uint8_t { allocated, assigned, available, reserved };
std::string_view rir_status_name(RirStatus s);

struct RirRecord {
  std::string registry;  // lower case, as in the file ("afrinic", "ripencc")
  std::string cc;        // ISO 3166 code, upper case; may be empty
  Resource range;
  std::string date;       // YYYYMMDD, or empty
  RirStatus status = RirStatus::allocated;
  std::string opaque_id;  // empty in the 7-field form
  uint64_t line = 0;
};

// The record's value field: the address count (ipv4), prefix length
// (ipv6) or AS count (asn). An IPv6 range that is not one prefix has none.
std::optional<u128> rir_value(const Resource& range);

struct RirVersionLine {
  std::string version, registry, serial;
  uint64_t records = 0;
  std::string start_date, end_date, utc_offset;
  uint64_t line = 0;
};

struct RirIssue {
  std::string kind;  // malformed, truncated, header-count-mismatch, ...
  uint64_t line = 0;  // 0 when it concerns the whole file
  std::string detail;
};

// What one file said about itself and what was found in it.
struct RirFileSummary {
  std::optional<RirVersionLine> version;
  std::map<Family, uint64_t> declared;  // summary lines, by type
  std::map<Family, uint64_t> declared_line;
  std::map<Family, uint64_t> found;     // record lines, by type
  uint64_t record_lines = 0;            // every record line, malformed ones too
  std::vector<RirIssue> issues;
};

// Reads `path`, calling on_record for every well-formed record line. IO
// errors (can't open, read error) are the only failure; everything wrong
// with the content is in the summary's issues.
Result<RirFileSummary> read_rir_stats(const std::string& path,
                                      const std::function<void(RirRecord&&)>& on_record);

// Writes one record line (8 fields) without the newline.
std::string format_rir_record(const RirRecord& r);

}  // namespace nl::ledger
