// The canonical writer and reader of field lists (ledger/fields.h): how each
// field type is put on the wire and read back, written once. The bytes are
// those of whitepaper/encoding.md; the reader is strict (caps, set order,
// enum ranges, each field's check) and throws DecodeError like every
// decoder under decode_all.
#pragma once
#include <algorithm>
#include <concepts>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "crypto/ed25519.h"
#include "crypto/hash.h"
#include "ledger/canonical.h"
#include "ledger/fields.h"

namespace nl::ledger {

// Types that keep their own encode/decode (Resource, AccountId): their
// checks are richer than a field list says.
template <class T>
concept OwnCodec = !HasFields<T> && requires(const T& x, Writer& w, Reader& r) {
  x.encode(w);
  { T::decode(r) } -> std::same_as<T>;
};

// --- writing -------------------------------------------------------------

inline void put_value(Writer& w, uint8_t v) { w.u8(v); }
inline void put_value(Writer& w, uint32_t v) { w.u32(v); }
inline void put_value(Writer& w, uint64_t v) { w.u64(v); }
// A round that may be -1: u32 two's complement, so -1 is 0xffffffff.
inline void put_value(Writer& w, int32_t v) { w.u32(static_cast<uint32_t>(v)); }
// u32 length || the bytes; the field's cap (max) is checked by FieldWriter.
inline void put_value(Writer& w, const Bytes& v) { w.u32(static_cast<uint32_t>(v.size())).raw(v); }
inline void put_value(Writer& w, const std::string& v) { w.str(v); }
inline void put_value(Writer& w, const crypto::Hash32& v) { w.fixed(v.b); }
inline void put_value(Writer& w, const crypto::PublicKey& v) { w.fixed(v.b); }
inline void put_value(Writer& w, const crypto::Signature& v) { w.fixed(v.b); }
template <WireEnum E>
void put_value(Writer& w, E e) { w.u8(static_cast<uint8_t>(e)); }
template <OwnCodec T>
void put_value(Writer& w, const T& x) { x.encode(w); }
template <HasFields T>
void put_value(Writer& w, const T& x);
template <class T>
void put_value(Writer& w, const std::vector<T>& v);
template <class T>
void put_value(Writer& w, const std::optional<T>& v);
template <class... A>
void put_value(Writer& w, const std::variant<A...>& v);

struct FieldWriter {
  Writer& w;
  template <class T>
  void operator()(const Field<T>& f) {
    if constexpr (std::is_same_v<std::remove_const_t<T>, Bytes>)
      if (f.value->size() > (f.max_ ? f.max_ : kMaxFieldBytes))
        throw std::length_error(std::string(f.name) + " exceeds its cap of " +
                                std::to_string(f.max_ ? f.max_ : kMaxFieldBytes) + " bytes");
    put_value(w, *f.value);
  }
};

template <HasFields T>
void put_value(Writer& w, const T& x) {
  FieldWriter fw{w};
  T::fields(fw, x);
}
template <class T>
void put_value(Writer& w, const std::vector<T>& v) {
  w.count(v.size());
  for (const auto& e : v) put_value(w, e);
}
template <class T>
void put_value(Writer& w, const std::optional<T>& v) {
  w.boolean(v.has_value());
  if (v) put_value(w, *v);
}
template <class... A>
void put_value(Writer& w, const std::variant<A...>& v) {
  w.u8(static_cast<uint8_t>(v.index() + 1));
  std::visit([&](const auto& a) { put_value(w, a); }, v);
}

// --- reading -------------------------------------------------------------

inline void get_value(Reader& r, uint8_t& v, const FieldLimits&) { v = r.u8(); }
inline void get_value(Reader& r, uint32_t& v, const FieldLimits&) { v = r.u32(); }
inline void get_value(Reader& r, uint64_t& v, const FieldLimits&) { v = r.u64(); }
inline void get_value(Reader& r, int32_t& v, const FieldLimits&) { v = static_cast<int32_t>(r.u32()); }
inline void get_value(Reader& r, Bytes& v, const FieldLimits& l) { v = r.bytes(l.max_ ? l.max_ : kMaxFieldBytes); }
inline void get_value(Reader& r, std::string& v, const FieldLimits& l) {
  v = r.str(l.max_ ? l.max_ : kMaxFieldBytes);
}
inline void get_value(Reader& r, crypto::Hash32& v, const FieldLimits&) { v.b = r.fixed<32>(); }
inline void get_value(Reader& r, crypto::PublicKey& v, const FieldLimits&) { v.b = r.fixed<32>(); }
inline void get_value(Reader& r, crypto::Signature& v, const FieldLimits&) { v.b = r.fixed<64>(); }
template <WireEnum E>
void get_value(Reader& r, E& e, const FieldLimits&) {
  uint8_t k = r.u8();
  if (k < 1 || k > EnumInfo<E>::kMax)
    throw DecodeError("unknown " + std::string(EnumInfo<E>::kWhat) + " " + std::to_string(k));
  e = static_cast<E>(k);
}
template <OwnCodec T>
void get_value(Reader& r, T& x, const FieldLimits&) { x = T::decode(r); }
template <HasFields T>
void get_value(Reader& r, T& x, const FieldLimits&);
template <class T>
void get_value(Reader& r, std::vector<T>& v, const FieldLimits& l);
template <class T>
void get_value(Reader& r, std::optional<T>& v, const FieldLimits& l);
template <class... A>
void get_value(Reader& r, std::variant<A...>& v, const FieldLimits&);

struct FieldReader {
  Reader& r;
  template <class T>
  void operator()(const Field<T>& f) {
    get_value(r, *f.value, f);
    if (f.check_)
      if (auto s = f.check_(*f.value); !s) throw DecodeError(s.error());
  }
};

template <HasFields T>
void get_value(Reader& r, T& x, const FieldLimits&) {
  FieldReader fr{r};
  T::fields(fr, x);
  // A check across fields (e.g. the order of an evidence pair).
  if constexpr (requires { T::check_decoded(x); })
    if (auto s = T::check_decoded(x); !s) throw DecodeError(s.error());
}

template <class T>
void get_value(Reader& r, std::vector<T>& v, const FieldLimits& l) {
  uint32_t n = 0;
  if (l.too_many_) {  // the count is read in full, then refused with the owner's words
    n = r.count();
    if (n > l.max_) throw DecodeError(l.too_many_(l.owner_, l.max_, n));
  } else {
    n = l.max_ ? r.count(l.max_) : r.count();
  }
  v.clear();
  v.reserve(std::min<uint32_t>(n, 256));  // hostile counts allocate only what arrives
  for (uint32_t i = 0; i < n; ++i) {
    T e{};
    get_value(r, e, FieldLimits{});
    // One encoding per value: a set is sorted by key, each key once.
    if constexpr (requires { e.set_key(); })
      if (!l.order_error_.empty() && !v.empty() && !(v.back().set_key() < e.set_key()))
        throw DecodeError(std::string(l.order_error_));
    v.push_back(std::move(e));
  }
}

template <class T>
void get_value(Reader& r, std::optional<T>& v, const FieldLimits& l) {
  v.reset();
  if (r.boolean()) get_value(r, v.emplace(), l);
}

template <class... A>
void get_value(Reader& r, std::variant<A...>& v, const FieldLimits&) {
  using V = std::variant<A...>;
  uint8_t k = r.u8();
  if (k < 1 || k > sizeof...(A))
    throw DecodeError("unknown " + std::string(VariantInfo<V>::kWhat) + " " + std::to_string(k));
  using Fn = void (*)(Reader&, V&);
  static constexpr Fn kRead[] = {+[](Reader& rr, V& vv) { get_value(rr, vv.template emplace<A>(), FieldLimits{}); }...};
  kRead[k - 1](r, v);
}

// The whole value, for types with a field list.
template <HasFields T>
void write_fields(Writer& w, const T& x) { put_value(w, x); }
template <HasFields T>
T read_fields(Reader& r) {
  T x{};
  get_value(r, x, FieldLimits{});
  return x;
}

}  // namespace nl::ledger
