#include "crypto/hash.h"

#include <nettle/sha2.h>

#include <cstring>
#include <stdexcept>

namespace nl::crypto {

// Nettle's SHA-256, not libsodium's: Debian's Nettle picks the CPU's SHA
// instructions at run time (an inner node's hash, 90 bytes: 0.11 µs
// against 0.36 on the machine of whitepaper/results.md).
static_assert(sizeof(sha256_ctx) <= sizeof(TaggedHasher::State));
static_assert(alignof(sha256_ctx) <= alignof(TaggedHasher::State));

namespace {
sha256_ctx* ctx(TaggedHasher::State& s) { return reinterpret_cast<sha256_ctx*>(s.bytes); }
}  // namespace

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
  sha256_ctx c;
  sha256_init(&c);
  sha256_update(&c, data.size(), data.data());
  Hash32 h;
  sha256_digest(&c, h.b.size(), h.b.data());
  return h;
}

TaggedHasher::TaggedHasher(std::string_view tag) {
  if (tag.size() > 255) throw std::logic_error("domain tag too long");
  sha256_init(ctx(state_));
  const uint8_t len = static_cast<uint8_t>(tag.size());
  sha256_update(ctx(state_), 1, &len);
  sha256_update(ctx(state_), tag.size(), reinterpret_cast<const uint8_t*>(tag.data()));
}

TaggedHasher& TaggedHasher::add(ByteView data) {
  sha256_update(ctx(state_), data.size(), data.data());
  return *this;
}

Hash32 TaggedHasher::finish() {
  Hash32 h;
  sha256_digest(ctx(state_), h.b.size(), h.b.data());
  return h;
}

Hash32 tagged_hash(std::string_view tag, ByteView data) {
  return TaggedHasher(tag).add(data).finish();
}

Hash32 tagged_hash2(std::string_view tag, const Hash32& a, const Hash32& b) {
  return TaggedHasher(tag).add(a).add(b).finish();
}

}  // namespace nl::crypto
