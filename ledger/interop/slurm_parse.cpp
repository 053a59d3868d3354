#include "ledger/interop/slurm_parse.h"

#include <algorithm>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "crypto/basics/json_fields.h"
#include "ledger/interop/json_positions.h"

namespace nl::ledger {

namespace {

using nlohmann::ordered_json;

// Thrown from the parser callback to stop at a duplicate name or too deep
// a nesting; `mark` counts the object starts and names seen so far.
struct Stop {
  size_t mark = 0;
  std::string why;
};

// One kind of entry: its array, its members, and where the RFC defines it.
struct EntryKind {
  const char* array;
  std::initializer_list<const char*> allowed, required;
  const char* rule;  // what a reader is told when a member is unknown
};

const EntryKind kPrefixFilter{"prefixFilters", {"prefix", "asn", "comment"}, {},
                              "a prefix filter has \"prefix\", \"asn\" and \"comment\" (RFC 8416 §3.3.1)"};
const EntryKind kBgpsecFilter{"bgpsecFilters", {"asn", "SKI", "comment"}, {},
                              "a BGPsec filter has \"asn\", \"SKI\" and \"comment\" (RFC 8416 §3.3.2)"};
const EntryKind kPrefixAssertion{
    "prefixAssertions", {"prefix", "asn", "maxPrefixLength", "comment"}, {"prefix", "asn"},
    "a prefix assertion has \"prefix\", \"asn\", \"maxPrefixLength\" and \"comment\" (RFC 8416 §3.4.1)"};
const EntryKind kBgpsecAssertion{
    "bgpsecAssertions", {"asn", "SKI", "routerPublicKey", "comment"}, {"asn", "SKI", "routerPublicKey"},
    "a BGPsec assertion has \"asn\", \"SKI\", \"routerPublicKey\" and \"comment\" (RFC 8416 §3.4.2)"};

std::string in_quotes(std::string_view s) {
  std::string c = s.size() > 64 ? std::string(s.substr(0, 64)) + "..." : std::string(s);
  return "\"" + c + "\"";
}

std::string list(std::initializer_list<const char*> names) {
  std::string out;
  for (const char* n : names) out += std::string(out.empty() ? "" : ", ") + "\"" + n + "\"";
  return out;
}

class SlurmReader {
 public:
  SlurmReader(std::string_view text, const std::string& name, const ordered_json& doc) : name_(name), pos_(text, doc) {}

  Result<Slurm> read(const ordered_json& doc) {
    if (!doc.is_object()) return at(doc, "", "a SLURM file is one JSON object (RFC 8416 §3.2)");
    if (auto s = members(doc, "", {"slurmVersion", "validationOutputFilters", "locallyAddedAssertions"},
                         {"slurmVersion", "validationOutputFilters", "locallyAddedAssertions"},
                         "the top level has \"slurmVersion\", \"validationOutputFilters\" and "
                         "\"locallyAddedAssertions\" (RFC 8416 §3.2)");
        !s)
      return s.take_error();
    const ordered_json& version = doc["slurmVersion"];
    if (!version.is_number_unsigned() || version.get<uint64_t>() != 1)
      return at(version, "", "slurmVersion " + version.dump() + " is not 1, the only version (RFC 8416 §3.2)");

    Slurm out;
    const ordered_json& filters = doc["validationOutputFilters"];
    if (auto s = members(filters, "validationOutputFilters", {"prefixFilters", "bgpsecFilters"},
                         {"prefixFilters", "bgpsecFilters"},
                         "validationOutputFilters has \"prefixFilters\" and \"bgpsecFilters\" (RFC 8416 §3.3)");
        !s)
      return s.take_error();
    const ordered_json& added = doc["locallyAddedAssertions"];
    if (auto s = members(added, "locallyAddedAssertions", {"prefixAssertions", "bgpsecAssertions"},
                         {"prefixAssertions", "bgpsecAssertions"},
                         "locallyAddedAssertions has \"prefixAssertions\" and \"bgpsecAssertions\" (RFC 8416 §3.4)");
        !s)
      return s.take_error();

    auto each = [&](const ordered_json& parent, const EntryKind& kind, auto&& read_entry) -> Status {
      const ordered_json& arr = parent[kind.array];
      if (!arr.is_array()) return at(arr, kind.array, "is not an array");
      if (arr.size() > kMaxSlurmEntries)
        return at(arr, kind.array,
                  "has " + std::to_string(arr.size()) + " entries; at most " + std::to_string(kMaxSlurmEntries));
      for (size_t i = 0; i < arr.size(); ++i) {
        const std::string where = std::string(kind.array) + "[" + std::to_string(i) + "]";
        if (auto s = members(arr[i], where, kind.allowed, kind.required, kind.rule); !s) return s;
        if (auto s = read_entry(arr[i], where); !s) return s;
      }
      return {};
    };
    if (auto s = each(filters, kPrefixFilter,
                      [&](const ordered_json& e, const std::string& where) { return prefix_filter(e, where, out); });
        !s)
      return s.take_error();
    if (auto s = each(filters, kBgpsecFilter,
                      [&](const ordered_json& e, const std::string& where) {
                        return bgpsec(e, where, "a BGPsec filter needs \"asn\" or \"SKI\" or both (RFC 8416 §3.3.2)",
                                      out.bgpsec_filters);
                      });
        !s)
      return s.take_error();
    if (auto s = each(added, kPrefixAssertion,
                      [&](const ordered_json& e, const std::string& where) { return prefix_assertion(e, where, out); });
        !s)
      return s.take_error();
    if (auto s = each(added, kBgpsecAssertion,
                      [&](const ordered_json& e, const std::string& where) {
                        return bgpsec(e, where, "", out.bgpsec_assertions);
                      });
        !s)
      return s.take_error();
    return out;
  }

 private:
  Error at(const ordered_json& v, const std::string& where, const std::string& why) const {
    return fail(name_ + ":" + pos_.of(v).to_string() + ": " + (where.empty() ? "" : where + ": ") + why);
  }

  Status members(const ordered_json& obj, const std::string& where, std::initializer_list<const char*> allowed,
                 std::initializer_list<const char*> required, const char* rule) const {
    if (!obj.is_object()) return at(obj, where, "is not an object; " + std::string(rule));
    for (const auto& item : obj.items()) {
      const std::string& name = item.key();  // not a structured binding: clang 14 (fuzz) can't capture one
      if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return name == a; }))
        return at(item.value(), where, "unknown member " + in_quotes(name) + ": " + rule);
    }
    for (const char* r : required)
      if (!obj.contains(r)) return at(obj, where, "missing member \"" + std::string(r) + "\"; needs " + list(required));
    return {};
  }

  Result<uint32_t> asn(const ordered_json& v, const std::string& where) const {
    auto a = json_uint(v, "asn", 0, 0xFFFFFFFFu);
    if (!a) return at(v, where, a.error());
    return static_cast<uint32_t>(*a);
  }

  Status comment(const ordered_json& e, const std::string& where) const {
    if (auto it = e.find("comment"); it != e.end() && !it->is_string())
      return at(*it, where, "comment is " + it->dump() + ", not a string");
    return {};
  }

  Result<Resource> prefix(const ordered_json& v, const std::string& where) const {
    if (!v.is_string()) return at(v, where, "prefix is " + v.dump() + ", not a string like \"192.0.2.0/24\"");
    const std::string& text = v.get_ref<const std::string&>();
    if (text.find('/') == std::string::npos)
      return at(v, where, "prefix " + in_quotes(text) + " is not in ADDRESS/LENGTH form");
    auto r = Resource::parse(text);
    if (!r) return at(v, where, "prefix " + r.error());
    if (r->family == Family::asn) return at(v, where, "prefix " + in_quotes(text) + " is an AS number");
    return *r;
  }

  Status prefix_filter(const ordered_json& e, const std::string& where, Slurm& out) const {
    if (!e.contains("prefix") && !e.contains("asn"))
      return at(e, where, "a prefix filter needs \"prefix\" or \"asn\" or both (RFC 8416 §3.3.1)");
    SlurmPrefixFilter f;
    if (e.contains("prefix")) {
      auto p = prefix(e["prefix"], where);
      if (!p) return p.take_error();
      f.prefix = *p;
    }
    if (e.contains("asn")) {
      auto a = asn(e["asn"], where);
      if (!a) return a.take_error();
      f.asn = *a;
    }
    if (auto s = comment(e, where); !s) return s;
    if (e.contains("comment")) f.comment = e["comment"].get<std::string>();
    out.prefix_filters.push_back(std::move(f));
    return {};
  }

  Status prefix_assertion(const ordered_json& e, const std::string& where, Slurm& out) const {
    auto p = prefix(e["prefix"], where);
    if (!p) return p.take_error();
    auto a = asn(e["asn"], where);
    if (!a) return a.take_error();
    const int len = *p->prefix_length(), bits = family_bits(p->family);
    uint64_t max_length = static_cast<uint64_t>(len);
    if (auto it = e.find("maxPrefixLength"); it != e.end()) {
      auto m = json_uint(*it, "maxPrefixLength", 0, 255);
      if (!m) return at(*it, where, m.error());
      if (*m < static_cast<uint64_t>(len))
        return at(*it, where, "maxPrefixLength " + std::to_string(*m) + " is shorter than the prefix length " +
                                  std::to_string(len));
      if (*m > static_cast<uint64_t>(bits))
        return at(*it, where, "maxPrefixLength " + std::to_string(*m) + " is longer than " + std::to_string(bits) +
                                  ", the length of an " + std::string(family_name(p->family)) + " address");
      max_length = *m;
    }
    if (auto s = comment(e, where); !s) return s;
    out.prefix_assertions.push_back({*p, static_cast<uint8_t>(max_length), *a,
                                     e.contains("comment") ? e["comment"].get<std::string>() : std::string()});
    return {};
  }

  // Checked for shape only: the keys are not decoded, as nothing uses them.
  Status bgpsec(const ordered_json& e, const std::string& where, const std::string& needs_one, size_t& count) const {
    if (!needs_one.empty() && !e.contains("asn") && !e.contains("SKI")) return at(e, where, needs_one);
    if (e.contains("asn"))
      if (auto a = asn(e["asn"], where); !a) return a.take_error();
    for (const char* key : {"SKI", "routerPublicKey"})
      if (auto it = e.find(key); it != e.end() && (!it->is_string() || it->get_ref<const std::string&>().empty()))
        return at(*it, where, std::string(key) + " is " + it->dump() + ", not a base64url string");
    if (auto s = comment(e, where); !s) return s;
    ++count;
    return {};
  }

  const std::string& name_;
  JsonPositions pos_;
};

// "[json.exception.parse_error.101] parse error at line 3, column 5: why" -> "why".
std::string parse_reason(const std::string& what) {
  auto col = what.find("column ");
  auto colon = col == std::string::npos ? std::string::npos : what.find(": ", col);
  return colon == std::string::npos ? what : what.substr(colon + 2);
}

}  // namespace

Result<Slurm> parse_slurm(std::string_view text, const std::string& name) {
  if (text.size() > kMaxSlurmFileBytes)
    return fail(name + ": " + std::to_string(text.size()) + " bytes; a SLURM file may have at most " +
                kMaxSlurmFileText);
  std::vector<std::set<std::string>> names;  // of each open object
  size_t marks = 0;
  auto watch = [&](int depth, ordered_json::parse_event_t event, ordered_json& parsed) {
    using E = ordered_json::parse_event_t;
    if (event == E::object_start) {
      ++marks;
      names.emplace_back();
    } else if (event == E::key) {
      ++marks;
      const std::string& key = parsed.get_ref<const std::string&>();
      if (!names.empty() && !names.back().insert(key).second)
        throw Stop{marks, "member " + in_quotes(key) + " appears twice in one object"};
    } else if (event == E::object_end && !names.empty()) {
      names.pop_back();
    }
    if (depth > kMaxSlurmDepth)
      throw Stop{marks, "nested deeper than " + std::to_string(kMaxSlurmDepth) + " levels"};
    return true;
  };
  ordered_json doc;
  try {
    doc = ordered_json::parse(text, watch);
  } catch (const Stop& s) {
    const auto starts = object_and_name_starts(text);
    const TextPosition p = s.mark > 0 && s.mark <= starts.size() ? starts[s.mark - 1] : TextPosition{};
    return fail(name + ":" + p.to_string() + ": " + s.why);
  } catch (const ordered_json::parse_error& e) {
    const TextPosition p = position_at(text, e.byte > 0 ? e.byte - 1 : 0);
    return fail(name + ":" + p.to_string() + ": not valid JSON: " + parse_reason(e.what()));
  } catch (const ordered_json::exception& e) {
    // A number beyond a double (1e999) is out_of_range, not parse_error.
    return fail(name + ": not usable JSON: " + parse_reason(e.what()));
  }
  return SlurmReader(text, name, doc).read(doc);
}

}  // namespace nl::ledger
