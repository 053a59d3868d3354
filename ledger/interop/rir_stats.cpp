#include "ledger/interop/rir_stats.h"

#include <array>

#include "ledger/interop/line_reader.h"

namespace nl::ledger {

std::string_view rir_status_name(RirStatus s) {
  switch (s) {
    case RirStatus::allocated: return "allocated";
    case RirStatus::assigned: return "assigned";
    case RirStatus::available: return "available";
    case RirStatus::reserved: return "reserved";
  }
  return "?";
}

std::optional<u128> rir_value(const Resource& range) {
  if (range.family != Family::ipv6) return range.last - range.first + 1;
  auto len = range.prefix_length();
  if (!len) return std::nullopt;
  return u128(*len);
}

namespace {

constexpr size_t kMaxFields = 16;

struct Fields {
  std::array<std::string_view, kMaxFields> f;
  size_t n = 0;  // may exceed kMaxFields; only the first kMaxFields are kept
};

Fields split(std::string_view line) {
  Fields out;
  size_t start = 0;
  for (;;) {
    size_t bar = line.find('|', start);
    std::string_view field = line.substr(start, bar == std::string_view::npos ? line.npos : bar - start);
    if (out.n < kMaxFields) out.f[out.n] = field;
    ++out.n;
    if (bar == std::string_view::npos) return out;
    start = bar + 1;
  }
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string shown(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 80)) out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c);
  if (s.size() > 80) out += "...";
  return out;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// A decimal number of at most 39 digits (so any u128 fits).
Result<u128> parse_number(std::string_view s, std::string_view what) {
  if (!all_digits(s) || s.size() > 39)
    return fail(std::string(what) + " '" + shown(s) + "' is not a decimal number");
  u128 v = 0;
  for (char c : s) {
    u128 next = v * 10 + u128(c - '0');
    if (next / 10 != v) return fail(std::string(what) + " '" + shown(s) + "' is too large");
    v = next;
  }
  return v;
}

std::optional<Family> parse_type(std::string_view s) {
  if (s == "ipv4") return Family::ipv4;
  if (s == "ipv6") return Family::ipv6;
  if (s == "asn") return Family::asn;
  return std::nullopt;
}

Result<RirStatus> parse_status(std::string_view s) {
  std::string l = lower(s);
  if (l == "allocated") return RirStatus::allocated;
  if (l == "assigned") return RirStatus::assigned;
  if (l == "available") return RirStatus::available;
  if (l == "reserved") return RirStatus::reserved;
  return fail("status '" + shown(s) + "' is not allocated, assigned, available or reserved");
}

bool is_version_number(std::string_view s) {
  if (s.empty() || s.front() < '0' || s.front() > '9') return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || c == '.')) return false;
  return true;
}

bool valid_registry(std::string_view s) {
  if (s.empty() || s.size() > 32) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'))
      return false;
  return true;
}

// The range of a record from its type, start and value fields.
Result<Resource> parse_range(Family f, std::string_view start, std::string_view value) {
  Resource r;
  r.family = f;
  if (f == Family::ipv6) {
    auto first = parse_ipv6(start);
    if (!first) return fail("start: " + first.error());
    auto len = parse_number(value, "prefix length");
    if (!len) return len.take_error();
    if (*len > 128) return fail("prefix length " + format_u128(*len) + " is over 128");
    u128 host = *len == 0 ? ~u128(0) : (*len == 128 ? 0 : (~u128(0) >> *len));
    if (*first & host)
      return fail(shown(start) + "/" + format_u128(*len) + " has host bits set (not a prefix start)");
    r.first = *first;
    r.last = *first | host;
    return r;
  }
  Result<u128> first = f == Family::ipv4 ? parse_ipv4(start) : parse_number(start, "AS number");
  if (!first) return fail("start: " + first.error());
  if (*first > family_max(f)) return fail("AS number " + format_u128(*first) + " is over 4294967295");
  auto count = parse_number(value, f == Family::ipv4 ? "address count" : "AS count");
  if (!count) return count.take_error();
  if (*count == 0) return fail("count is zero");
  if (*count - 1 > family_max(f) - *first)
    return fail("start " + std::string(shown(start)) + " plus count " + format_u128(*count) +
                " runs past the end of the " + std::string(family_name(f)) + " space");
  r.first = *first;
  r.last = *first + *count - 1;
  return r;
}

Result<RirRecord> parse_record(const Fields& fl) {
  auto f = [&](size_t i) { return fl.f[i]; };
  RirRecord rec;
  if (!valid_registry(f(0))) return fail("registry '" + shown(f(0)) + "' is not a registry name");
  rec.registry = lower(f(0));
  std::string_view cc = f(1);
  auto letter = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
  if (!cc.empty() && !(cc.size() == 2 && letter(cc[0]) && letter(cc[1])))
    return fail("country code '" + shown(cc) + "' is not two letters");
  for (char c : cc) rec.cc.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  auto type = parse_type(lower(f(2)));
  if (!type) return fail("type '" + shown(f(2)) + "' is not asn, ipv4 or ipv6");
  auto range = parse_range(*type, f(3), f(4));
  if (!range) return range.take_error();
  rec.range = *range;
  if (!f(5).empty() && !(f(5).size() == 8 && all_digits(f(5))))
    return fail("date '" + shown(f(5)) + "' is not YYYYMMDD");
  rec.date = std::string(f(5));
  auto status = parse_status(f(6));
  if (!status) return status.take_error();
  rec.status = *status;
  if (fl.n >= 8) {
    std::string_view id = f(7);
    if (id.size() > 128) return fail("opaque-id is longer than 128 bytes");
    for (char c : id)
      if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e)
        return fail("opaque-id '" + shown(id) + "' has a character outside printable ASCII");
    rec.opaque_id = std::string(id);
  }
  return rec;
}

Result<RirVersionLine> parse_version(const Fields& fl) {
  if (fl.n < 7) return fail("version line has " + std::to_string(fl.n) + " fields, expected 7");
  RirVersionLine v;
  v.version = std::string(fl.f[0]);
  v.registry = lower(fl.f[1]);
  v.serial = std::string(fl.f[2]);
  auto n = parse_number(fl.f[3], "record count");
  if (!n) return n.take_error();
  if (*n > UINT64_MAX) return fail("record count is too large");
  v.records = static_cast<uint64_t>(*n);
  v.start_date = std::string(fl.f[4]);
  v.end_date = std::string(fl.f[5]);
  v.utc_offset = std::string(fl.f[6]);
  return v;
}

}  // namespace

std::string format_rir_record(const RirRecord& r) {
  std::string start = r.range.family == Family::ipv4   ? format_ipv4(r.range.first)
                      : r.range.family == Family::ipv6 ? format_ipv6(r.range.first)
                                                       : format_u128(r.range.first);
  auto value = rir_value(r.range);
  return r.registry + "|" + r.cc + "|" + std::string(family_name(r.range.family)) + "|" + start + "|" +
         (value ? format_u128(*value) : std::string("?")) + "|" + r.date + "|" +
         std::string(rir_status_name(r.status)) + "|" + r.opaque_id;
}

Result<RirFileSummary> read_rir_stats(const std::string& path,
                                      const std::function<void(RirRecord&&)>& on_record) {
  auto reader = LineReader::open(path);
  if (!reader) return reader.take_error();
  RirFileSummary sum;
  auto issue = [&](std::string kind, uint64_t line, std::string detail) {
    sum.issues.push_back({std::move(kind), line, std::move(detail)});
  };
  bool seen_data = false;
  // A last line without its newline, and whether an issue already names it.
  uint64_t unterminated_line = 0;
  std::string unterminated_text;
  bool unterminated_reported = false;
  std::string_view line;
  while (reader->next(line)) {
    const uint64_t no = reader->line_number();
    if (reader->unterminated()) {
      unterminated_line = no;
      unterminated_text = shown(line);
    }
    // A byte order mark from an editor that saved the file as UTF-8.
    constexpr std::string_view kBom = "\xEF\xBB\xBF";
    if (no == 1 && line.substr(0, kBom.size()) == kBom) line.remove_prefix(kBom.size());
    // A comment cut short (by the line cap or the file's end) loses nothing.
    if (!line.empty() && line.front() == '#') {
      if (reader->unterminated()) unterminated_reported = true;
      continue;
    }
    if (reader->cut()) {
      issue("malformed", no, "line is longer than " + std::to_string(LineReader::kMaxLine) + " bytes");
      unterminated_reported = reader->unterminated();
      ++sum.record_lines;
      continue;
    }
    if (line.empty()) continue;
    Fields fl = split(line);
    // A cut last line: report it as the truncation it most likely is.
    auto bad = [&](const std::string& why) {
      if (reader->unterminated()) {
        issue("truncated", no, "the file ends inside this line ('" + shown(line) + "'): " + why);
        unterminated_reported = true;
      } else {
        issue("malformed", no, why + ": '" + shown(line) + "'");
      }
    };
    if (is_version_number(fl.f[0]) && fl.n >= 6 && fl.n <= 8) {
      if (seen_data) {
        bad("a second version line");
        continue;
      }
      seen_data = true;
      auto v = parse_version(fl);
      if (!v) {
        bad("version line: " + v.error());
        continue;
      }
      v->line = no;
      sum.version = std::move(*v);
      continue;
    }
    if (!seen_data) {
      issue("missing-version-line", no, "the first line is not a version line");
      seen_data = true;
    }
    if (fl.n >= 6 && fl.f[1] == "*" && fl.f[3] == "*" && fl.f[5] == "summary") {
      auto type = parse_type(lower(fl.f[2]));
      auto count = parse_number(fl.f[4], "summary count");
      if (!type) bad("summary line: type '" + shown(fl.f[2]) + "' is not asn, ipv4 or ipv6");
      else if (!count || *count > UINT64_MAX) bad("summary line: " + (count ? std::string("count is too large") : count.error()));
      else if (sum.declared.count(*type)) bad("a second summary line for " + std::string(family_name(*type)));
      else {
        sum.declared[*type] = static_cast<uint64_t>(*count);
        sum.declared_line[*type] = no;
      }
      continue;
    }
    ++sum.record_lines;
    if (fl.n >= 3)
      if (auto type = parse_type(lower(fl.f[2]))) ++sum.found[*type];
    if (fl.n < 7) {
      bad("record has " + std::to_string(fl.n) + " fields, expected 7 or 8");
      continue;
    }
    auto rec = parse_record(fl);
    if (!rec) {
      bad(rec.error());
      continue;
    }
    rec->line = no;
    on_record(std::move(*rec));
  }
  if (!reader->error().empty()) return fail(reader->error());
  // A cut that still parses (an opaque-id cut short names another
  // organisation) must not pass silently; the line itself was read as usual.
  if (unterminated_line != 0 && !unterminated_reported)
    issue("truncated", unterminated_line,
          "the file ends inside this line (no newline after '" + unterminated_text +
              "'); the line parsed and was read as it stands (a record on it is imported), but it may be cut short");

  if (!sum.version) {
    if (!seen_data) issue("missing-version-line", 0, "the file holds no version line and no records");
  } else if (sum.version->records != sum.record_lines) {
    issue("header-count-mismatch", sum.version->line,
          "the version line declares " + std::to_string(sum.version->records) + " records but the file holds " +
              std::to_string(sum.record_lines));
  }
  for (const auto& [type, declared] : sum.declared) {
    uint64_t found = sum.found.count(type) ? sum.found.at(type) : 0;
    if (declared != found)
      issue("summary-count-mismatch", sum.declared_line.at(type),
            "the summary line declares " + std::to_string(declared) + " " + std::string(family_name(type)) +
                " records but the file holds " + std::to_string(found));
  }
  return sum;
}

}  // namespace nl::ledger
