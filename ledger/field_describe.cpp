#include "ledger/field_describe.h"

#include "ledger/time_text.h"

namespace nl::ledger {

std::string describe_value(uint64_t v, Show s) {
  // Times read as RFC 3339 wherever people read them (issue 19).
  if (s == Show::rfc3339 || s == Show::unix_time) return rfc3339(v);
  return (s == Show::asn ? "AS" : "") + std::to_string(v);
}

std::string describe_value(const Metadata& m, Show) { return "name='" + m.name + "'"; }

std::string describe_value(const Validator& v, Show) {
  return AccountId{v.key}.to_string() + "=" + std::to_string(v.power);
}

}  // namespace nl::ledger
