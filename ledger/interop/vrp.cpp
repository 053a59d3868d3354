#include "ledger/interop/vrp.h"

#include "ledger/interop/vrp_fields.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <tuple>

namespace nl::ledger {

namespace {

constexpr std::string_view kCsvHeader = "ASN,IP Prefix,Max Length,Trust Anchor";

std::string clip(std::string_view s) {
  return s.size() > 64 ? std::string(s.substr(0, 64)) + "..." : std::string(s);
}

Result<Resource> parse_prefix(std::string_view text) {
  if (text.find('/') == std::string_view::npos)
    return fail("prefix '" + clip(text) + "' is not in ADDRESS/LENGTH form");
  auto r = Resource::parse(text);
  if (!r) return fail("prefix " + r.error());
  if (r->family == Family::asn) return fail("prefix '" + clip(text) + "' is an AS number");
  return *r;
}

std::string utc_time(uint64_t unix_seconds) {
  using namespace std::chrono;
  sys_seconds t{seconds(static_cast<int64_t>(unix_seconds))};
  auto day = floor<days>(t);
  year_month_day ymd{day};
  hh_mm_ss hms{t - day};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

// Trust anchors are checked to need no escaping; this keeps the output
// valid JSON for any value handed to the formatter regardless.
std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::vector<Vrp> sorted(std::vector<Vrp> v) {
  sort_vrps(v);
  return v;
}

}  // namespace

Result<uint32_t> parse_as_text(std::string_view text) {
  // Built only when needed: 800k good entries at full size.
  auto bad = [&] { return "asn '" + clip(text) + "' is not an AS number like AS64496"; };
  if (text.size() < 3 || text.substr(0, 2) != "AS") return fail(bad());
  std::string_view digits = text.substr(2);
  if (digits.size() > 10 || digits.find_first_not_of("0123456789") != std::string_view::npos ||
      (digits.size() > 1 && digits[0] == '0'))
    return fail(bad());
  uint64_t v = 0;
  for (char c : digits) v = v * 10 + static_cast<uint64_t>(c - '0');  // at most 10 digits: no overflow
  if (v > 0xFFFFFFFFull) return fail(bad() + " (above AS4294967295)");
  return static_cast<uint32_t>(v);
}

Result<Vrp> make_vrp(uint32_t asn, std::string_view prefix_text, uint64_t max_length, std::string ta) {
  auto prefix = parse_prefix(prefix_text);
  if (!prefix) return prefix.take_error();
  int len = *prefix->prefix_length();
  int bits = family_bits(prefix->family);
  if (max_length < static_cast<uint64_t>(len) || max_length > static_cast<uint64_t>(bits))
    return fail("maxLength " + std::to_string(max_length) + " is outside " + std::to_string(len) + "-" +
                std::to_string(bits) + " for " + prefix->to_string());
  if (auto s = check_trust_anchor(ta); !s) return s.take_error();
  return Vrp{asn, *prefix, static_cast<uint8_t>(max_length), std::move(ta)};
}

Status check_trust_anchor(std::string_view ta) {
  if (ta.empty()) return fail("trust anchor name is empty");
  if (ta.size() > 255) return fail("trust anchor name is longer than 255 characters");
  for (char c : ta)
    if (c <= 0x20 || c >= 0x7f || c == ',' || c == '"' || c == '\\')
      return fail("trust anchor name '" + clip(ta) +
                  "' may hold only printable ASCII without space, comma, quote or backslash");
  return Status::success();
}

bool routinator_order(const Vrp& a, const Vrp& b) {
  if (a.prefix.family != b.prefix.family) return a.prefix.family < b.prefix.family;
  if (a.prefix.last != b.prefix.last) return a.prefix.last < b.prefix.last;
  // Same last address: the larger first address is the more specific prefix.
  if (a.prefix.first != b.prefix.first) return a.prefix.first > b.prefix.first;
  return std::tie(a.max_length, a.asn, a.ta) < std::tie(b.max_length, b.asn, b.ta);
}

void sort_vrps(std::vector<Vrp>& vrps) { std::sort(vrps.begin(), vrps.end(), routinator_order); }

Result<VrpFile> read_vrps_csv(std::string_view text) {
  VrpFile out;
  size_t line_no = 0;
  bool header_seen = false;
  for (size_t at = 0; at < text.size();) {
    size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(at, end - at);
    at = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::string where = "line " + std::to_string(line_no) + ": ";
    if (!header_seen) {
      if (line != kCsvHeader)
        return fail(where + "expected the header '" + std::string(kCsvHeader) + "', got '" + clip(line) + "'");
      header_seen = true;
      continue;
    }
    if (line.empty()) continue;
    auto bad = [&](const std::string& why) { out.bad.push_back({line_no, where + why}); };
    std::string_view fields[4];
    size_t n = 0, from = 0;
    bool too_many = false;
    for (;;) {
      size_t comma = line.find(',', from);
      if (n == 4) {
        too_many = true;
        break;
      }
      fields[n++] = line.substr(from, comma == std::string_view::npos ? std::string_view::npos : comma - from);
      if (comma == std::string_view::npos) break;
      from = comma + 1;
    }
    if (too_many) {
      bad("more than 4 fields");
      continue;
    }
    if (n != 4) {
      bad("expected 4 fields (ASN,IP Prefix,Max Length,Trust Anchor), got " + std::to_string(n));
      continue;
    }
    auto asn = parse_as_text(fields[0]);
    if (!asn) {
      bad(asn.error());
      continue;
    }
    std::string_view ml = fields[2];
    if (ml.empty() || ml.size() > 3 || ml.find_first_not_of("0123456789") != std::string_view::npos) {
      bad("max length '" + clip(ml) + "' is not a whole number");
      continue;
    }
    auto v = make_vrp(*asn, fields[1], std::stoull(std::string(ml)), std::string(fields[3]));
    if (!v) {
      bad(v.error());
      continue;
    }
    out.vrps.push_back(std::move(*v));
    out.positions.push_back(line_no);
  }
  if (!header_seen) return fail("VRP CSV is empty (no header line)");
  return out;
}

Result<VrpFile> read_vrps(std::string_view text) {
  size_t i = text.find_first_not_of(" \t\r\n");
  if (i != std::string_view::npos && text[i] == '{') return read_vrps_json(text);
  return read_vrps_csv(text);
}

namespace {

Result<std::vector<Vrp>> strict(Result<VrpFile> f) {
  if (!f) return f.take_error();
  if (!f->bad.empty()) return fail(f->bad.front().detail);
  return std::move(f->vrps);
}

}  // namespace

Result<std::vector<Vrp>> parse_vrps_json(std::string_view text) { return strict(read_vrps_json(text)); }
Result<std::vector<Vrp>> parse_vrps_csv(std::string_view text) { return strict(read_vrps_csv(text)); }
Result<std::vector<Vrp>> parse_vrps(std::string_view text) { return strict(read_vrps(text)); }

std::string format_vrps_json(const std::vector<Vrp>& vrps, uint64_t generated) {
  std::string out;
  out.reserve(64 + vrps.size() * 88);
  out += "{\n  \"metadata\": {\n    \"generated\": " + std::to_string(generated) + ",\n    \"generatedTime\": \"" +
         utc_time(generated) + "\"\n  }\n,\n  \"roas\": [\n";
  bool first = true;
  for (const Vrp& v : sorted(vrps)) {
    if (!first) out += ",\n";
    first = false;
    out += "    { \"asn\": \"AS" + std::to_string(v.asn) + "\", \"prefix\": \"" + v.prefix.to_string() +
           "\", \"maxLength\": " + std::to_string(v.max_length) + ", \"ta\": " + json_string(v.ta) + " }";
  }
  // No BGPsec router keys or ASPA objects exist in the ledger.
  out += "\n  ],\n  \"routerKeys\": [\n\n  ],\n  \"aspas\": [\n\n  ]\n}\n";
  return out;
}

std::string format_vrps_csv(const std::vector<Vrp>& vrps) {
  std::string out(kCsvHeader);
  out += "\n";
  out.reserve(out.size() + vrps.size() * 40);
  for (const Vrp& v : sorted(vrps))
    out += "AS" + std::to_string(v.asn) + "," + v.prefix.to_string() + "," + std::to_string(v.max_length) + "," +
           v.ta + "\n";
  return out;
}

}  // namespace nl::ledger
