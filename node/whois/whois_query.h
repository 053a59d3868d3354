// A whois query line read as RIPE's server reads it: flags, then the
// search key (the rest of the line, so "A - B" ranges keep their spaces).
//   -r, --no-referenced          no related objects after the answer
//   -T, --select-types T[,T...]  only objects of these types
// Flags come before the key; "-rT inetnum" clusters them, "-Tinetnum"
// joins a value. Errors are whole "%ERROR:" answers in RIPE's words:
//   103 unknown object type, 110 multiple use of flag,
//   111 invalid option supplied (also a -T without types).
#pragma once
#include <array>
#include <set>
#include <string>
#include <string_view>

#include "crypto/basics/result.h"

namespace nl::node {

// The object types this server prints (whois_objects.h).
inline constexpr std::array<std::string_view, 5> kWhoisObjectTypes{"inetnum", "inet6num", "aut-num", "as-block",
                                                                   "organisation"};

struct WhoisQuery {
  bool referenced = true;       // false after -r
  std::set<std::string> types;  // empty: every type
  std::string key;              // may be empty: the caller answers 106
  bool wants(std::string_view type) const { return types.empty() || types.count(std::string(type)); }
};

// The error is the "%ERROR:" line and its "%" comments, each ended by '\n'.
Result<WhoisQuery> parse_whois_flags(std::string_view line);

}  // namespace nl::node
