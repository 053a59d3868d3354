// Key files: an Ed25519 seed encrypted at rest with a key derived by
// Argon2id (crypto_pwhash) and sealed with XChaCha20-Poly1305. Written with
// mode 0600. A testnet file may be stored without a passphrase; it says so
// in the file ("encryption": "none").
#pragma once
#include <functional>
#include <optional>
#include <string>

#include "crypto/ed25519.h"
#include "crypto/basics/result.h"

namespace nl::crypto {

// passphrase nullopt = unencrypted testnet key.
Status save_key_file(const std::string& path, const SecretKey& key,
                     const std::optional<std::string>& passphrase);

// Asks a person for the passphrase of the key file at `path` (the terminal
// prompt lives with the programs, node/client/terminal_passphrase.h).
using PassphrasePrompt = std::function<Result<std::string>(const std::string& path)>;

// Reads a key file. For an encrypted file the passphrase is taken from
// `passphrase` if given, else NUMLEDGER_PASSPHRASE, else from `prompt`;
// with none of them it is an error that names the variable. A wrong
// passphrase is a clear error.
Result<SecretKey> load_key_file(const std::string& path,
                                const std::optional<std::string>& passphrase = std::nullopt,
                                const PassphrasePrompt& prompt = {});

// Just the public key, without decrypting.
Result<PublicKey> read_key_file_public(const std::string& path);

}  // namespace nl::crypto
