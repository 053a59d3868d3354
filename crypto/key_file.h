// Key files: an Ed25519 seed encrypted at rest with a key derived by
// Argon2id (crypto_pwhash) and sealed with XChaCha20-Poly1305. Written with
// mode 0600. A testnet file may be stored without a passphrase; it says so
// in the file ("encryption": "none").
#pragma once
#include <optional>
#include <string>

#include "crypto/ed25519.h"
#include "crypto/result.h"

namespace nl::crypto {

// passphrase nullopt = unencrypted testnet key.
Status save_key_file(const std::string& path, const SecretKey& key,
                     const std::optional<std::string>& passphrase);

// Reads a key file. For an encrypted file the passphrase is taken from
// `passphrase` if given, else NUMLEDGER_PASSPHRASE, else an interactive
// prompt on the terminal. A wrong passphrase is a clear error.
Result<SecretKey> load_key_file(const std::string& path,
                                const std::optional<std::string>& passphrase = std::nullopt);

// Just the public key, without decrypting.
Result<PublicKey> read_key_file_public(const std::string& path);

}  // namespace nl::crypto
