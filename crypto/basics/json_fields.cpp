#include "crypto/basics/json_fields.h"

#include <nlohmann/json.hpp>

namespace nl {

namespace {

// The offending value as the file wrote it, cut short: it goes into errors.
std::string shown(const nlohmann::json& v) {
  std::string d = v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return d.size() > 64 ? d.substr(0, 64) + "..." : d;
}

}  // namespace

Result<uint64_t> json_uint(const nlohmann::json& v, const std::string& field, uint64_t min, uint64_t max) {
  // Only is_number_unsigned is safe to convert: nlohmann parses a
  // non-negative integer that fits 64 bits as unsigned, anything else
  // (negative, fraction, exponent, too large) as another type.
  if (!v.is_number_unsigned() || v.get<uint64_t>() < min || v.get<uint64_t>() > max)
    return fail(field + " is " + shown(v) + ", not a whole number in " + std::to_string(min) + "-" +
                std::to_string(max));
  return v.get<uint64_t>();
}

Result<uint64_t> json_uint_member(const nlohmann::json& obj, const char* name, const std::string& field,
                                  uint64_t min, uint64_t max) {
  if (!obj.is_object()) return fail(field + ": not inside a JSON object");
  auto it = obj.find(name);
  if (it == obj.end()) return fail(field + " is missing");
  return json_uint(*it, field, min, max);
}

Result<uint64_t> json_uint_member_or(const nlohmann::json& obj, const char* name, const std::string& field,
                                     uint64_t fallback, uint64_t min, uint64_t max) {
  if (obj.is_object() && !obj.contains(name)) return fallback;
  return json_uint_member(obj, name, field, min, max);
}

}  // namespace nl
