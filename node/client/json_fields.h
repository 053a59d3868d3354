// The JSON view of a value with a field list (ledger/fields.h): an object
// with one key per shown field, named as the list names it. How each field
// type looks in JSON is written once, below; JSON is for people and
// scripts and never hashed.
#pragma once
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "ledger/time_text.h"
#include "crypto/ed25519.h"
#include "crypto/hash.h"
#include "ledger/account.h"
#include "ledger/fields.h"
#include "ledger/resource.h"
#include "ledger/validator.h"

namespace nl::node {

using ledger::rfc3339;  // ledger/time_text.h

nlohmann::json json_value(uint64_t v, ledger::Show s = ledger::Show::plain);
inline nlohmann::json json_value(uint32_t v, ledger::Show s = ledger::Show::plain) { return json_value(uint64_t{v}, s); }
inline nlohmann::json json_value(uint8_t v, ledger::Show s = ledger::Show::plain) { return json_value(uint64_t{v}, s); }
inline nlohmann::json json_value(const std::string& v, ledger::Show = ledger::Show::plain) { return v; }
inline nlohmann::json json_value(const crypto::Hash32& v, ledger::Show = ledger::Show::plain) { return v.hex(); }
inline nlohmann::json json_value(const crypto::Signature& v, ledger::Show = ledger::Show::plain) { return v.hex(); }
// Keys are shown as the accounts they name.
inline nlohmann::json json_value(const crypto::PublicKey& v, ledger::Show = ledger::Show::plain) {
  return ledger::AccountId{v}.to_string();
}
inline nlohmann::json json_value(const ledger::AccountId& v, ledger::Show = ledger::Show::plain) {
  return v.to_string();
}
inline nlohmann::json json_value(const ledger::Resource& v, ledger::Show = ledger::Show::plain) {
  return v.to_string();
}
// {"account", "key" (hex), "power"}: validator sets and validator-updates alike.
nlohmann::json json_value(const ledger::Validator& v, ledger::Show = ledger::Show::plain);
template <ledger::WireEnum E>
nlohmann::json json_value(E e, ledger::Show = ledger::Show::plain) {
  return ledger::EnumInfo<E>::name(e);
}
template <ledger::HasFields T>
nlohmann::json json_value(const T& x, ledger::Show = ledger::Show::plain);
template <class T>
nlohmann::json json_value(const std::vector<T>& v, ledger::Show s = ledger::Show::plain);

struct JsonBuilder {
  nlohmann::json& j;
  template <class T>
  void operator()(const ledger::Field<T>& f) {
    if (f.shown_) add(f.name, *f.value, f.show_);
  }
  template <class T>
  void add(std::string_view name, const T& v, ledger::Show s) {
    j[std::string(name)] = json_value(v, s);
    if (s == ledger::Show::unix_time) {
      if constexpr (std::is_integral_v<T>) j[std::string(name) + "_rfc3339"] = rfc3339(v);
    }
  }
  // A variant (the transaction body) is flat: "kind" and the kind's fields.
  template <class... A>
  void add(std::string_view, const std::variant<A...>& v, ledger::Show) {
    std::visit(
        [&](const auto& b) {
          j["kind"] = std::decay_t<decltype(b)>::kName;
          std::decay_t<decltype(b)>::fields(*this, b);
        },
        v);
  }
};

template <ledger::HasFields T>
nlohmann::json json_value(const T& x, ledger::Show) {
  nlohmann::json j = nlohmann::json::object();
  JsonBuilder b{j};
  T::fields(b, x);
  return j;
}
template <class T>
nlohmann::json json_value(const std::vector<T>& v, ledger::Show s) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& e : v) a.push_back(json_value(e, s));
  return a;
}

}  // namespace nl::node
