// The state tree benchmarks' entries: numbered holding keys, and values of
// about an encoded holding's size that vary with the id and a version.
#pragma once
#include <cstdint>

#include "ledger/canonical.h"

namespace nl::bench {

inline Bytes key_of(uint64_t id) {
  ledger::Writer w;
  w.u8('H').u64(id);
  return w.take();
}

inline Bytes value_of(uint64_t id, uint64_t version) {
  Bytes v(120);
  uint64_t x = id * 0x9E3779B97F4A7C15ull ^ version;
  for (auto& b : v) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    b = static_cast<uint8_t>(x);
  }
  return v;
}

}  // namespace nl::bench
