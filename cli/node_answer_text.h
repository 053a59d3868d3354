// Reading a node's JSON answers for people: field access that never throws
// on an unexpected answer, and the one-line form of a holding.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace nl::cli {

// The field as text ("" when absent or null; non-strings as JSON).
inline std::string str(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// The field if it is an array, else an empty one.
inline const nlohmann::json& arr(const nlohmann::json& j, const char* key) {
  static const nlohmann::json empty = nlohmann::json::array();
  if (!j.is_object()) return empty;
  auto it = j.find(key);
  return it != j.end() && it->is_array() ? *it : empty;
}

// "#3 10.0.0.0/8 allocation, held by nl..." with the lease expiry and name.
inline std::string holding_line(const nlohmann::json& h) {
  std::string s = "#" + str(h, "id") + " " + str(h, "range") + " " + str(h, "kind");
  if (!str(h, "lease_until_rfc3339").empty()) s += " until " + str(h, "lease_until_rfc3339");
  s += ", held by " + str(h, "holder");
  std::string name = h.is_object() && h.contains("metadata") ? str(h["metadata"], "name") : "";
  if (!name.empty()) s += " (" + name + ")";
  return s;
}

}  // namespace nl::cli
