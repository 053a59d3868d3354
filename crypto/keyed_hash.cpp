#include "crypto/keyed_hash.h"

#include <sodium.h>

#include <array>
#include <cstring>

#include "crypto/ed25519.h"

namespace nl::crypto {

namespace {

const std::array<unsigned char, crypto_shorthash_KEYBYTES>& process_key() {
  static const auto key = [] {
    init();  // libsodium, before its random bytes
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
