// What every fuzz target shares: the input as bytes or text, and a check
// that aborts (a finding libFuzzer saves) when a property does not hold.
#pragma once
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "crypto/basics/bytes.h"

namespace nl::fuzz {

inline ByteView bytes_of(const uint8_t* data, size_t size) { return ByteView(data, size); }
inline std::string_view text_of(const uint8_t* data, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

// Aborts with `what` on stderr: a round trip that does not give the same
// bytes back means two encodings of one value, which hashes must never see.
inline void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz property broken: %s\n", what);
  std::abort();
}

// decode(encode(decode(in))) must give back exactly `in`.
inline void require_same_bytes(ByteView in, const Bytes& again, const char* what) {
  require(again.size() == in.size() && std::equal(again.begin(), again.end(), in.begin()), what);
}

}  // namespace nl::fuzz
