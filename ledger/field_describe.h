// The one-line description of a value with a field list (ledger/fields.h),
// for people: `tx show`, `tx new`'s "wrote ...", logs and refusals. Each
// shown field is its label (if any) and its value, joined by spaces:
//   delegate 10.1.0.0/16 to nl1... as lease until 2027-01-15T08:00:00Z
// How each field type reads is written once, below.
#pragma once
#include <string>
#include <variant>
#include <vector>

#include "crypto/ed25519.h"
#include "crypto/hash.h"
#include "ledger/account.h"
#include "ledger/fields.h"
#include "ledger/holding.h"
#include "ledger/resource.h"
#include "ledger/validator.h"

namespace nl::ledger {

std::string describe_value(uint64_t v, Show s = Show::plain);
inline std::string describe_value(uint32_t v, Show s = Show::plain) { return describe_value(uint64_t{v}, s); }
inline std::string describe_value(uint8_t v, Show s = Show::plain) { return describe_value(uint64_t{v}, s); }
inline std::string describe_value(const std::string& v, Show = Show::plain) { return v; }
inline std::string describe_value(const crypto::Hash32& v, Show = Show::plain) { return v.hex(); }
inline std::string describe_value(const crypto::PublicKey& v, Show = Show::plain) { return v.hex(); }
inline std::string describe_value(const Resource& v, Show = Show::plain) { return v.to_string(); }
inline std::string describe_value(const AccountId& v, Show = Show::plain) { return v.to_string(); }
// The name only: the rest is noise on one line.
std::string describe_value(const Metadata& m, Show = Show::plain);
std::string describe_value(const Validator& v, Show = Show::plain);  // account=power
template <WireEnum E>
std::string describe_value(E e, Show = Show::plain) { return std::string(EnumInfo<E>::name(e)); }
template <HasFields T>
std::string describe_value(const T& x, Show = Show::plain);
template <class T>
std::string describe_value(const std::vector<T>& v, Show s = Show::plain);
template <class... A>
std::string describe_value(const std::variant<A...>& v, Show = Show::plain);

struct FieldDescriber {
  std::string out;
  template <class T>
  void operator()(const Field<T>& f) {
    if (!f.shown_) return;
    if (!out.empty()) out += ' ';
    if (!f.label_.empty()) out.append(f.label_).push_back(' ');
    out += describe_value(*f.value, f.show_);
  }
};

template <HasFields T>
std::string describe_value(const T& x, Show) {
  FieldDescriber d;
  T::fields(d, x);
  return std::move(d.out);
}
template <class T>
std::string describe_value(const std::vector<T>& v, Show s) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + describe_value(v[i], s);
  return out;
}
// The alternative's name, then its fields: "renew 10.0.0.0/8 until 1900000000".
template <class... A>
std::string describe_value(const std::variant<A...>& v, Show) {
  return std::visit(
      [](const auto& a) {
        std::string rest = describe_value(a);
        return std::string(std::decay_t<decltype(a)>::kName) + (rest.empty() ? "" : " " + rest);
      },
      v);
}

}  // namespace nl::ledger
