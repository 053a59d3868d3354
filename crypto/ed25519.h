// Ed25519 keys, signing and verification (libsodium, RFC 8032).
#pragma once
#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>

#include "crypto/basics/bytes.h"

namespace nl::crypto {

// Must be called once before any other crypto function; idempotent.
void init();

struct PublicKey {
  std::array<uint8_t, 32> b{};
  auto operator<=>(const PublicKey&) const = default;
  std::string hex() const;
};

struct Signature {
  std::array<uint8_t, 64> b{};
  auto operator<=>(const Signature&) const = default;
  std::string hex() const;
};

// The 32-byte seed is the secret; the expanded libsodium key is derived.
class SecretKey {
 public:
  static SecretKey generate();
  static SecretKey from_seed(const std::array<uint8_t, 32>& seed);
  SecretKey(const SecretKey&) = default;
  SecretKey& operator=(const SecretKey&) = default;
  ~SecretKey();

  const PublicKey& public_key() const { return pk_; }
  const std::array<uint8_t, 32>& seed() const { return seed_; }
  Signature sign(ByteView message) const;

 private:
  SecretKey() = default;
  std::array<uint8_t, 32> seed_{};
  std::array<uint8_t, 64> expanded_{};
  PublicKey pk_;
};

bool verify(const PublicKey& pk, ByteView message, const Signature& sig);
// Signature checks verify() has made in this process (for metrics).
uint64_t verify_count();

}  // namespace nl::crypto
