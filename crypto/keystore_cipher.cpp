#include "crypto/keystore_cipher.h"

#include <sodium.h>

#include "crypto/domain_tags.h"

namespace nl::crypto {

namespace {

static_assert(crypto_pwhash_SALTBYTES == KeystoreCipher::kSaltBytes);
static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES == KeystoreCipher::kNonceBytes);
static_assert(32 + crypto_aead_xchacha20poly1305_ietf_ABYTES == KeystoreCipher::kSealedBytes);

std::array<uint8_t, 32> keyed_blake2b(const std::array<uint8_t, 32>& key, std::string_view tag,
                                      std::string_view msg) {
  std::array<uint8_t, 32> out{};
  crypto_generichash_state st;
  crypto_generichash_init(&st, key.data(), key.size(), out.size());
  crypto_generichash_update(&st, reinterpret_cast<const uint8_t*>(tag.data()), tag.size());
  crypto_generichash_update(&st, reinterpret_cast<const uint8_t*>(msg.data()), msg.size());
  crypto_generichash_final(&st, out.data(), out.size());
  sodium_memzero(&st, sizeof st);
  return out;
}

// Associated data: the account's public key, then the org name.
std::string associated(std::string_view org, const PublicKey& account) {
  std::string ad(reinterpret_cast<const char*>(account.b.data()), account.b.size());
  ad += org;
  return ad;
}

}  // namespace

KeystoreCipher::~KeystoreCipher() { sodium_memzero(master_.data(), master_.size()); }

KeystoreCipher::Kdf KeystoreCipher::fresh_kdf() {
  init();
  Kdf k;
  k.opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
  k.memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
  randombytes_buf(k.salt.data(), k.salt.size());
  return k;
}

Result<KeystoreCipher> KeystoreCipher::derive(const std::string& passphrase, const Kdf& kdf) {
  init();
  if (passphrase.empty()) return fail("empty keystore passphrase");
  if (kdf.opslimit < crypto_pwhash_OPSLIMIT_MIN || kdf.opslimit > crypto_pwhash_OPSLIMIT_MODERATE ||
      kdf.memlimit < crypto_pwhash_MEMLIMIT_MIN || kdf.memlimit > crypto_pwhash_MEMLIMIT_MODERATE)
    return fail("kdf parameters out of the accepted range (opslimit " +
                std::to_string(crypto_pwhash_OPSLIMIT_MIN) + "-" + std::to_string(crypto_pwhash_OPSLIMIT_MODERATE) +
                ", memlimit up to " + std::to_string(crypto_pwhash_MEMLIMIT_MODERATE) + " bytes)");
  KeystoreCipher c;
  c.kdf_ = kdf;
  if (crypto_pwhash(c.master_.data(), c.master_.size(), passphrase.data(), passphrase.size(), kdf.salt.data(),
                    kdf.opslimit, static_cast<size_t>(kdf.memlimit), crypto_pwhash_ALG_ARGON2ID13) != 0)
    return fail("keystore key derivation failed (out of memory?)");
  return c;
}

std::array<uint8_t, 32> KeystoreCipher::check() const { return keyed_blake2b(master_, tags::kKeystoreCheck, {}); }

std::array<uint8_t, 32> KeystoreCipher::org_key(std::string_view org) const {
  return keyed_blake2b(master_, tags::kKeystoreOrg, org);
}

KeystoreCipher::Sealed KeystoreCipher::seal(std::string_view org, const PublicKey& account,
                                            const std::array<uint8_t, 32>& seed) const {
  Sealed s;
  randombytes_buf(s.nonce.data(), s.nonce.size());
  auto key = org_key(org);
  const std::string ad = associated(org, account);
  crypto_aead_xchacha20poly1305_ietf_encrypt(s.ciphertext.data(), nullptr, seed.data(), seed.size(),
                                             reinterpret_cast<const uint8_t*>(ad.data()), ad.size(), nullptr,
                                             s.nonce.data(), key.data());
  sodium_memzero(key.data(), key.size());
  return s;
}

Result<std::array<uint8_t, 32>> KeystoreCipher::open(std::string_view org, const PublicKey& account,
                                                     const Sealed& s) const {
  std::array<uint8_t, 32> seed{};
  auto key = org_key(org);
  const std::string ad = associated(org, account);
  const int rc = crypto_aead_xchacha20poly1305_ietf_decrypt(
      seed.data(), nullptr, nullptr, s.ciphertext.data(), s.ciphertext.size(),
      reinterpret_cast<const uint8_t*>(ad.data()), ad.size(), s.nonce.data(), key.data());
  sodium_memzero(key.data(), key.size());
  if (rc != 0) return fail("the sealed seed does not open (altered, or moved from another organisation or account)");
  return seed;
}

}  // namespace nl::crypto
