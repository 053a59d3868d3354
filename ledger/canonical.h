// The canonical byte encoding: the one encoder and decoder for everything
// that is hashed or signed (whitepaper/encoding.md). Integers are big-endian
// with fixed widths; variable-length fields carry a u32 length prefix;
// sequences carry a u32 count. There is exactly one encoding of any value.
#pragma once
#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "crypto/basics/bytes.h"
#include "crypto/basics/result.h"

namespace nl::ledger {

using u128 = unsigned __int128;

// Caps that make decoding of hostile input bounded.
inline constexpr uint32_t kMaxFieldBytes = 1u << 20;
inline constexpr uint32_t kMaxSequence = 1u << 20;

class Writer {
 public:
  Writer& u8(uint8_t v);
  Writer& u16(uint16_t v);
  Writer& u32(uint32_t v);
  Writer& u64(uint64_t v);
  Writer& u128v(u128 v);
  Writer& boolean(bool v) { return u8(v ? 1 : 0); }
  template <size_t N>
  Writer& fixed(const std::array<uint8_t, N>& a) {
    return raw(ByteView(a));
  }
  Writer& raw(ByteView b);
  Writer& bytes(ByteView b);  // u32 length + bytes
  Writer& str(std::string_view s) { return bytes(as_bytes(s)); }
  Writer& count(size_t n);    // u32 sequence count

  const Bytes& data() const { return out_; }
  Bytes take() { return std::move(out_); }

 private:
  Bytes out_;
};

// Thrown only inside decoders; decode_* entry points turn it into a Result.
struct DecodeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Reader {
 public:
  explicit Reader(ByteView in) : in_(in) {}
  uint8_t u8();
  uint16_t u16();
  uint32_t u32();
  uint64_t u64();
  u128 u128v();
  bool boolean();
  template <size_t N>
  std::array<uint8_t, N> fixed() {
    std::array<uint8_t, N> a;
    need(N);
    for (size_t i = 0; i < N; ++i) a[i] = in_[pos_ + i];
    pos_ += N;
    return a;
  }
  Bytes bytes(uint32_t max = kMaxFieldBytes);
  std::string str(uint32_t max = kMaxFieldBytes);
  uint32_t count(uint32_t max = kMaxSequence);
  bool done() const { return pos_ == in_.size(); }
  void expect_done() const;
  size_t pos() const { return pos_; }

 private:
  void need(size_t n) const;
  ByteView in_;
  size_t pos_ = 0;
};

// Runs a decoder over the whole input: trailing bytes and truncation are
// errors, reported with what was being decoded.
template <class T, class F>
Result<T> decode_all(ByteView in, std::string_view what, F&& fn) {
  try {
    Reader r(in);
    T v = fn(r);
    r.expect_done();
    return v;
  } catch (const DecodeError& e) {
    return fail(std::string(what) + ": " + e.what());
  }
}

// decode_all with the type's own T::decode.
template <class T>
Result<T> decode_value(ByteView in, std::string_view what) {
  return decode_all<T>(in, what, [](Reader& r) { return T::decode(r); });
}

}  // namespace nl::ledger
