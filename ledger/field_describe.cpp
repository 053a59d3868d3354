#include "ledger/field_describe.h"

namespace nl::ledger {

std::string describe_value(uint64_t v, Show s) {
  return (s == Show::asn ? "AS" : "") + std::to_string(v);
}

std::string describe_value(const Metadata& m, Show) { return "name='" + m.name + "'"; }

std::string describe_value(const Validator& v, Show) {
  return AccountId{v.key}.to_string() + "=" + std::to_string(v.power);
}

}  // namespace nl::ledger
