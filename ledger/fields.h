// One field list per type (whitepaper/encoding.md, "Field lists"). A type
// that is hashed or signed lists its fields once, in wire order:
//
//   template <class V, class Self>
//   static void fields(V& v, Self& x) {
//     v(field("range", x.range));
//     v(field("to", x.to).label("to"));
//   }
//
// Self is `const T` when writing or viewing and `T` when reading, so the one
// list serves both directions, as Bitcoin Core's SERIALIZE_METHODS does. The
// visitors that walk it: the canonical writer and reader
// (ledger/field_codec.h), the one-line description (ledger/field_describe.h)
// and the JSON view (node/client/json_fields.h). How one field *type* (Resource,
// u64, a sequence...) is encoded, read, described or shown is written once,
// in those visitors; a list only names, orders and bounds its fields.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "crypto/basics/result.h"

namespace nl::ledger {

// How a value is shown to people. The wire never depends on it.
enum class Show : uint8_t {
  plain,
  rfc3339,    // unix seconds: JSON and the description give RFC 3339 text
  unix_time,  // unix seconds: JSON gives the number and "<name>_rfc3339", the description RFC 3339
  asn,        // "AS" + the number, in JSON and the description
};

// How a field is bounded and checked when read; elements of a sequence are
// read with the defaults.
struct FieldLimits {
  // A string's byte cap or a sequence's count cap; 0 = the canonical default.
  uint32_t max_ = 0;
  // A sequence above max_: the message, given the owner, the cap and the
  // count (none: the reader's standard "count N exceeds cap M").
  std::string (*too_many_)(std::string_view owner, uint32_t max, uint32_t n) = nullptr;
  std::string_view owner_ = {};
  // A sequence that is a set: strictly ascending by set_key(), else this error.
  std::string_view order_error_ = {};
};

template <class T>
struct Field : FieldLimits {
  using Value = std::remove_const_t<T>;
  std::string_view name;         // the JSON view's key
  T* value = nullptr;
  std::string_view label_ = {};  // the description's word(s) before the value
  Show show_ = Show::plain;
  bool shown_ = true;            // false: on the wire only, not in the views
  // Names a party who must co-sign (ledger::cosigners), in the rules' words.
  std::string_view cosigner_ = {};
  // Refuses a decoded value (its message becomes the decode error).
  Status (*check_)(const Value&) = nullptr;

  constexpr Field& label(std::string_view l) { return label_ = l, *this; }
  constexpr Field& show(Show s) { return show_ = s, *this; }
  constexpr Field& shown(bool s) { return shown_ = s, *this; }
  constexpr Field& cosigner(std::string_view role) { return cosigner_ = role, *this; }
  constexpr Field& max(uint32_t m) { return max_ = m, *this; }
  constexpr Field& check(Status (*c)(const Value&)) { return check_ = c, *this; }
  constexpr Field& too_many(std::string_view owner, std::string (*f)(std::string_view, uint32_t, uint32_t)) {
    owner_ = owner;
    too_many_ = f;
    return *this;
  }
  constexpr Field& ordered(std::string_view error) { return order_error_ = error, *this; }
};

template <class T>
constexpr Field<T> field(std::string_view name, T& value) {
  Field<T> f;
  f.name = name;
  f.value = &value;
  return f;
}

// A type with a field list (the probe accepts any field).
struct FieldProbe {
  template <class F>
  void operator()(const F&) {}
};
template <class T>
concept HasFields = requires(FieldProbe& p, T& x) { std::remove_const_t<T>::fields(p, x); };

// Enumerations on the wire are one byte from 1 to kMax. A specialisation
// gives kMax, kWhat (its name in errors: "unknown holding kind 7") and
// name(e) (how people see a value).
template <class E>
struct EnumInfo;
template <class E>
concept WireEnum = requires { EnumInfo<E>::kMax; };

// A std::variant on the wire is u8 (index + 1) || the alternative; a
// specialisation gives kWhat, its name in errors ("unknown transaction kind").
template <class V>
struct VariantInfo;

}  // namespace nl::ledger
