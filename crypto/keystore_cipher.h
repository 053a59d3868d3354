// The sealing of the import keystore (ledger/interop/rir_keystore.h): one
// passphrase, stretched once by Argon2id into a master key; from it, by
// keyed BLAKE2b, one key per organisation; each organisation's seed sealed
// with XChaCha20-Poly1305 under its own key, the account and org name as
// associated data. One Argon2id per keystore, not per organisation: at
// 16,516 organisations, one per entry would take over half an hour.
// Specified in whitepaper/encoding.md, "Import keystore".
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/basics/result.h"
#include "crypto/ed25519.h"

namespace nl::crypto {

class KeystoreCipher {
 public:
  static constexpr const char* kName = "argon2id+blake2b+xchacha20poly1305";
  static constexpr size_t kSaltBytes = 16, kNonceBytes = 24, kSealedBytes = 32 + 16;

  struct Kdf {
    uint64_t opslimit = 0, memlimit = 0;
    std::array<uint8_t, kSaltBytes> salt{};
  };
  struct Sealed {
    std::array<uint8_t, kNonceBytes> nonce{};
    std::array<uint8_t, kSealedBytes> ciphertext{};
  };

  // A fresh salt, with the limits key files use (Argon2id "interactive").
  static Kdf fresh_kdf();
  // Argon2id over `passphrase`. Refuses limits outside those a key file
  // accepts, so a hostile header cannot make us burn gigabytes or hours.
  static Result<KeystoreCipher> derive(const std::string& passphrase, const Kdf& kdf);

  KeystoreCipher(const KeystoreCipher&) = default;
  KeystoreCipher& operator=(const KeystoreCipher&) = default;
  ~KeystoreCipher();

  const Kdf& kdf() const { return kdf_; }
  // Stored in the header so a wrong passphrase is named before any entry.
  std::array<uint8_t, 32> check() const;
  // The key that seals one organisation's seed; knowing it reveals no
  // other organisation's key and not the master.
  std::array<uint8_t, 32> org_key(std::string_view org) const;

  Sealed seal(std::string_view org, const PublicKey& account, const std::array<uint8_t, 32>& seed) const;
  // Fails when the entry was altered, moved to another org or account,
  // or sealed under another passphrase.
  Result<std::array<uint8_t, 32>> open(std::string_view org, const PublicKey& account, const Sealed& s) const;

 private:
  KeystoreCipher() = default;
  Kdf kdf_;
  std::array<uint8_t, 32> master_{};
};

}  // namespace nl::crypto
