// The one hash function of numledger: SHA-256 (Nettle), always used
// with a domain tag so that no two kinds of object can share a digest.
#pragma once
#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/basics/bytes.h"

namespace nl::crypto {

struct Hash32 {
  std::array<uint8_t, 32> b{};
  auto operator<=>(const Hash32&) const = default;
  bool is_zero() const;
  std::string hex() const;
  static std::optional<Hash32> from_hex(std::string_view hex);
};

Hash32 sha256(ByteView data);

// SHA-256(u8 len(tag) || tag || data): the only hashing the protocol uses.
Hash32 tagged_hash(std::string_view tag, ByteView data);
Hash32 tagged_hash2(std::string_view tag, const Hash32& a, const Hash32& b);

// Incremental form of tagged_hash for callers that stream several pieces.
class TaggedHasher {
 public:
  explicit TaggedHasher(std::string_view tag);
  TaggedHasher& add(ByteView data);
  TaggedHasher& add(const Hash32& h) { return add(ByteView(h.b)); }
  Hash32 finish();

  // Room for the hash's state, so a hasher lives on the stack.
  struct State {
    alignas(16) unsigned char bytes[128];
  };

 private:
  State state_;
};

}  // namespace nl::crypto
