#include "node/whois/whois_query.h"

#include <algorithm>
#include <vector>

#include "node/http/holding_lookup.h"

namespace nl::node {

namespace {

bool blank(char c) { return c == ' ' || c == '\t'; }

// The next blank-separated word of `rest`, taken off its front.
std::string_view next_word(std::string_view& rest) {
  while (!rest.empty() && blank(rest.front())) rest.remove_prefix(1);
  size_t n = 0;
  while (n < rest.size() && !blank(rest[n])) ++n;
  std::string_view w = rest.substr(0, n);
  rest.remove_prefix(n);
  return w;
}

std::string supported() {
  return "% This server takes -r (--no-referenced) and -T TYPE[,TYPE] (--select-types), before the search key.\n";
}

std::string known_types() {
  std::string out;
  for (auto t : kWhoisObjectTypes) out += (out.empty() ? "" : ", ") + std::string(t);
  return out;
}

Status add_types(WhoisQuery& q, std::string_view list, bool& seen) {
  if (seen) return fail("%ERROR:110: multiple use of flag\n%\n% -T is given more than once.\n");
  seen = true;
  if (list.empty()) return fail("%ERROR:111: invalid option supplied\n%\n% -T needs object types, e.g. -T inetnum.\n");
  for (size_t at = 0; at <= list.size();) {
    size_t comma = std::min(list.find(',', at), list.size());
    std::string type(list.substr(at, comma - at));
    std::transform(type.begin(), type.end(), type.begin(), [](unsigned char c) { return std::tolower(c); });
    if (std::find(kWhoisObjectTypes.begin(), kWhoisObjectTypes.end(), type) == kWhoisObjectTypes.end())
      return fail("%ERROR:103: unknown object type\n%\n% \"" + printable_excerpt(type) +
                  "\" is not a known object type.\n% Known types: " + known_types() + ".\n");
    q.types.insert(type);
    at = comma + 1;
  }
  return {};
}

}  // namespace

Result<WhoisQuery> parse_whois_flags(std::string_view line) {
  WhoisQuery q;
  bool seen_r = false, seen_t = false;
  std::string_view rest = line;
  for (;;) {
    std::string_view before = rest;
    std::string_view word = next_word(rest);
    // A lone "-" is the middle of "A - B"; anything else starting '-' is a flag.
    if (word.size() < 2 || word[0] != '-') {
      rest = before;
      break;
    }
    auto no_recursion = [&]() -> Status {
      if (seen_r) return fail("%ERROR:110: multiple use of flag\n%\n% -r is given more than once.\n");
      seen_r = true;
      q.referenced = false;
      return {};
    };
    if (word == "--no-referenced") {
      if (auto s = no_recursion(); !s) return fail(s.error());
      continue;
    }
    if (word == "--select-types") {
      if (auto s = add_types(q, next_word(rest), seen_t); !s) return fail(s.error());
      continue;
    }
    if (word[1] == '-')
      return fail("%ERROR:111: invalid option supplied\n%\n% \"" + printable_excerpt(word) +
                  "\" is not supported.\n" + supported());
    for (size_t i = 1; i < word.size(); ++i) {
      if (word[i] == 'r') {
        if (auto s = no_recursion(); !s) return fail(s.error());
      } else if (word[i] == 'T') {
        std::string_view list = i + 1 < word.size() ? word.substr(i + 1) : next_word(rest);
        if (auto s = add_types(q, list, seen_t); !s) return fail(s.error());
        break;
      } else {
        return fail("%ERROR:111: invalid option supplied\n%\n% \"-" + printable_excerpt(word.substr(i, 1)) +
                    "\" is not supported.\n" + supported());
      }
    }
  }
  while (!rest.empty() && blank(rest.front())) rest.remove_prefix(1);
  while (!rest.empty() && blank(rest.back())) rest.remove_suffix(1);
  q.key = std::string(rest);
  return q;
}

}  // namespace nl::node
