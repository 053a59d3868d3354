#include "ledger/interop/iana_registry.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace nl::ledger {

namespace {

// IANA's CSVs are a few tens of KiB; anything much larger is not one.
constexpr size_t kMaxCsvBytes = 4 * 1024 * 1024;

struct CsvRow {
  std::vector<std::string> cells;
  uint64_t line = 0;
};

// RFC 4180: quoted cells may hold commas, newlines and doubled quotes.
Result<std::vector<CsvRow>> parse_csv(const std::string& text, const std::string& path) {
  std::vector<CsvRow> rows;
  CsvRow row;
  std::string cell;
  bool quoted = false, cell_started = false;
  uint64_t line = 1;
  row.line = 1;
  auto end_cell = [&] {
    row.cells.push_back(std::move(cell));
    cell.clear();
    cell_started = false;
  };
  auto end_row = [&] {
    end_cell();
    if (!(row.cells.size() == 1 && row.cells[0].empty())) rows.push_back(std::move(row));
    row = CsvRow{};
    row.line = line;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          cell.push_back('"');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        cell.push_back(c);
      }
      continue;
    }
    if (c == '"' && !cell_started) {
      quoted = cell_started = true;
    } else if (c == ',') {
      end_cell();
    } else if (c == '\n') {
      ++line;
      end_row();
    } else if (c != '\r') {
      cell.push_back(c);
      cell_started = true;
    }
  }
  if (quoted) return fail(path + ":" + std::to_string(row.line) + ": a quoted cell is never closed");
  end_row();
  return rows;
}

Result<std::string> read_small(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(path + ": cannot open: " + std::strerror(errno));
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxCsvBytes) return fail(path + ": larger than 4 MiB; not an IANA registry CSV");
  }
  if (in.bad()) return fail(path + ": read failed");
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  if (std::string_view(text).substr(0, kBom.size()) == kBom) text.erase(0, kBom.size());
  return text;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
  size_t a = 0;
  while (a < s.size() && (s[a] == ' ' || s[a] == '\t')) ++a;
  return s.substr(a);
}

std::string rir_of_whois(std::string_view whois) {
  if (whois == "whois.afrinic.net") return "afrinic";
  if (whois == "whois.apnic.net") return "apnic";
  if (whois == "whois.arin.net") return "arin";
  if (whois == "whois.lacnic.net") return "lacnic";
  if (whois == "whois.ripe.net") return "ripencc";
  return "";
}

// "041/8" -> 41.0.0.0/8.
Result<Resource> parse_v4_slash8(const std::string& text) {
  auto slash = text.find('/');
  if (slash == std::string::npos || text.substr(slash) != "/8" || slash == 0 || slash > 3)
    return fail("prefix '" + text.substr(0, 40) + "' is not of the form NNN/8");
  unsigned v = 0;
  for (size_t i = 0; i < slash; ++i) {
    if (text[i] < '0' || text[i] > '9') return fail("prefix '" + text.substr(0, 40) + "' is not of the form NNN/8");
    v = v * 10 + unsigned(text[i] - '0');
  }
  if (v > 255) return fail("prefix '" + text + "' is past 255/8");
  return Resource{Family::ipv4, u128(v) << 24, (u128(v) << 24) | 0xffffff};
}

}  // namespace

std::string rir_of_designation(std::string_view d) {
  constexpr std::string_view kAdmin = "Administered by ";
  if (d.substr(0, kAdmin.size()) == kAdmin) d.remove_prefix(kAdmin.size());
  if (d == "AFRINIC") return "afrinic";
  if (d == "APNIC") return "apnic";
  if (d == "ARIN") return "arin";
  if (d == "LACNIC") return "lacnic";
  if (d == "RIPE NCC") return "ripencc";
  return "";
}

Result<IanaCsv> read_iana_csv(const std::string& path, Family family) {
  if (family == Family::asn) return fail("IANA AS number registries are not read");
  auto text = read_small(path);
  if (!text) return text.take_error();
  auto rows = parse_csv(*text, path);
  if (!rows) return rows.take_error();
  if (rows->empty()) return fail(path + ": empty; expected IANA's CSV with a header row");
  const auto& header = rows->front().cells;
  auto column = [&](std::string_view name) -> int {
    for (size_t i = 0; i < header.size(); ++i)
      if (trim(header[i]).substr(0, name.size()) == name) return static_cast<int>(i);
    return -1;
  };
  int c_prefix = column("Prefix"), c_desig = column("Designation"), c_date = column("Date"),
      c_whois = column("WHOIS"), c_status = column("Status");
  if (c_prefix < 0 || c_desig < 0 || c_status < 0)
    return fail(path + ": the header row lacks Prefix, Designation or Status; not an IANA registry CSV");

  std::vector<IanaDesignation> out;
  for (size_t i = 1; i < rows->size(); ++i) {
    const CsvRow& row = (*rows)[i];
    auto cell = [&](int c) { return c >= 0 && size_t(c) < row.cells.size() ? trim(row.cells[size_t(c)]) : std::string(); };
    const std::string where = path + ":" + std::to_string(row.line) + ": ";
    if (row.cells.size() <= size_t(std::max({c_prefix, c_desig, c_status})))
      return fail(where + "row has " + std::to_string(row.cells.size()) + " cells, fewer than the header");
    IanaDesignation d;
    d.line = row.line;
    Result<Resource> range = family == Family::ipv4 ? parse_v4_slash8(cell(c_prefix)) : Resource::parse(cell(c_prefix));
    if (!range) return fail(where + range.error());
    if (range->family != family || (family == Family::ipv6 && !range->prefix_length()))
      return fail(where + "'" + cell(c_prefix) + "' is not an " + std::string(family_name(family)) + " prefix");
    d.range = *range;
    d.designation = cell(c_desig);
    d.date = cell(c_date);
    d.status = cell(c_status);
    d.registry = rir_of_designation(d.designation);
    if (d.registry.empty() && d.status == "LEGACY") d.registry = rir_of_whois(cell(c_whois));
    out.push_back(std::move(d));
  }
  // Wider first at one start, so an inner row comes after its outer one.
  std::vector<size_t> order(out.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const Resource &x = out[a].range, &y = out[b].range;
    if (x.first != y.first) return x.first < y.first;
    if (x.last != y.last) return x.last > y.last;
    return out[a].line < out[b].line;  // of two equal rows the first stands
  });
  IanaCsv csv;
  std::vector<bool> inner(out.size(), false);
  const IanaDesignation* outer = nullptr;  // the kept row reaching furthest
  for (size_t i : order) {
    const IanaDesignation& d = out[i];
    // Rows are prefixes, so two that overlap nest (or repeat).
    if (outer && d.range.overlaps(outer->range)) {
      inner[i] = true;
      csv.nested.push_back({d.line, d.range.to_string() + " (" + d.designation + ", " + d.status + ") lies inside " +
                                        outer->range.to_string() + " (" + outer->designation + ") of line " +
                                        std::to_string(outer->line) + "; left out, the outer row stands"});
      continue;
    }
    outer = &d;
  }
  std::sort(csv.nested.begin(), csv.nested.end(), [](const auto& a, const auto& b) { return a.line < b.line; });
  for (size_t i = 0; i < out.size(); ++i)
    if (!inner[i]) csv.rows.push_back(std::move(out[i]));
  return csv;
}

}  // namespace nl::ledger
