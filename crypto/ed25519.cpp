#include "crypto/ed25519.h"

#include <sodium.h>

#include <atomic>
#include <stdexcept>

namespace nl::crypto {

void init() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

std::string PublicKey::hex() const { return to_hex(b); }
std::string Signature::hex() const { return to_hex(b); }

SecretKey SecretKey::generate() {
  init();
  std::array<uint8_t, 32> seed;
  randombytes_buf(seed.data(), seed.size());
  SecretKey k = from_seed(seed);
  sodium_memzero(seed.data(), seed.size());
  return k;
}

SecretKey SecretKey::from_seed(const std::array<uint8_t, 32>& seed) {
  init();
  SecretKey k;
  k.seed_ = seed;
  crypto_sign_seed_keypair(k.pk_.b.data(), k.expanded_.data(), seed.data());
  return k;
}

SecretKey::~SecretKey() {
  sodium_memzero(seed_.data(), seed_.size());
  sodium_memzero(expanded_.data(), expanded_.size());
}

Signature SecretKey::sign(ByteView message) const {
  Signature s;
  crypto_sign_detached(s.b.data(), nullptr, message.data(), message.size(), expanded_.data());
  return s;
}

namespace {
std::atomic<uint64_t> verifies{0};
}  // namespace

uint64_t verify_count() { return verifies.load(std::memory_order_relaxed); }

bool verify(const PublicKey& pk, ByteView message, const Signature& sig) {
  verifies.fetch_add(1, std::memory_order_relaxed);
  return crypto_sign_verify_detached(sig.b.data(), message.data(), message.size(), pk.b.data()) ==
         0;
}

}  // namespace nl::crypto
