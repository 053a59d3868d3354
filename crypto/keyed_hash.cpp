#include "crypto/keyed_hash.h"

#include <sodium.h>

#include <array>
#include <cstring>
#include <stdexcept>

namespace nl::crypto {

namespace {

const std::array<unsigned char, crypto_shorthash_KEYBYTES>& process_key() {
  static const auto key = [] {
    if (sodium_init() < 0) throw std::runtime_error("libsodium cannot be initialised");
    std::array<unsigned char, crypto_shorthash_KEYBYTES> k{};
    randombytes_buf(k.data(), k.size());
    return k;
  }();
  return key;
}

}  // namespace

uint64_t keyed_hash64(ByteView data) {
  std::array<unsigned char, crypto_shorthash_BYTES> out{};
  crypto_shorthash(out.data(), data.data(), data.size(), process_key().data());
  uint64_t h = 0;
  std::memcpy(&h, out.data(), sizeof h);
  return h;
}

}  // namespace nl::crypto
