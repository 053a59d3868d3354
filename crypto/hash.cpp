#include "crypto/hash.h"

#include <sodium.h>

#include <cstring>
#include <stdexcept>

namespace nl::crypto {

static_assert(sizeof(crypto_hash_sha256_state) <= 128);

bool Hash32::is_zero() const {
  for (auto x : b)
    if (x) return false;
  return true;
}

std::string Hash32::hex() const { return to_hex(b); }

std::optional<Hash32> Hash32::from_hex(std::string_view hex) {
  auto bytes = nl::from_hex(hex);
  if (!bytes || bytes->size() != 32) return std::nullopt;
  Hash32 h;
  std::memcpy(h.b.data(), bytes->data(), 32);
  return h;
}

Hash32 sha256(ByteView data) {
  Hash32 h;
  crypto_hash_sha256(h.b.data(), data.data(), data.size());
  return h;
}

TaggedHasher::TaggedHasher(std::string_view tag) {
  if (tag.size() > 255) throw std::logic_error("domain tag too long");
  auto* st = reinterpret_cast<crypto_hash_sha256_state*>(state_);
  crypto_hash_sha256_init(st);
  uint8_t len = static_cast<uint8_t>(tag.size());
  crypto_hash_sha256_update(st, &len, 1);
  crypto_hash_sha256_update(st, reinterpret_cast<const uint8_t*>(tag.data()), tag.size());
}

TaggedHasher& TaggedHasher::add(ByteView data) {
  crypto_hash_sha256_update(reinterpret_cast<crypto_hash_sha256_state*>(state_), data.data(),
                            data.size());
  return *this;
}

Hash32 TaggedHasher::finish() {
  Hash32 h;
  crypto_hash_sha256_final(reinterpret_cast<crypto_hash_sha256_state*>(state_), h.b.data());
  return h;
}

Hash32 tagged_hash(std::string_view tag, ByteView data) {
  return TaggedHasher(tag).add(data).finish();
}

Hash32 tagged_hash2(std::string_view tag, const Hash32& a, const Hash32& b) {
  return TaggedHasher(tag).add(a).add(b).finish();
}

}  // namespace nl::crypto
