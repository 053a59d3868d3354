// Reading RDAP answers in tests: the event of an object by its action.
#pragma once
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace nl::test {

// The event of `obj` whose eventAction is `action`; fails the test if none.
inline const nlohmann::json& event(const nlohmann::json& obj, const std::string& action) {
  for (const auto& e : obj["events"])
    if (e["eventAction"] == action) return e;
  FAIL("no '" << action << "' event in " << obj.dump());
  static nlohmann::json none;
  return none;
}

}  // namespace nl::test
