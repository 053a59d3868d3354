// Passphrases the CLI asks for: a new key file's, and the import keystore's
// (whitepaper/operations.md, "Keys"). From an environment variable first,
// else typed twice (new) or once (existing) on the terminal.
#pragma once
#include <optional>
#include <string>

#include "crypto/basics/result.h"

namespace nl::cli {

// Shorter passphrases are refused without --weak-passphrase: Argon2id
// slows a guesser down, it does not make "abc" safe.
constexpr size_t kMinPassphrase = 8;

// A new passphrase for `what` (a path): the variable `env`, else asked
// twice. `unencrypted_flag` names the option that skips encryption.
Result<std::string> new_passphrase(const std::string& what, const char* env, const std::string& unencrypted_flag);

// The import keystore's passphrase, nullopt for an unencrypted keystore:
// none with --no-passphrase or for an existing unencrypted one (unless
// NUMLEDGER_KEYSTORE_PASSPHRASE is set, which encrypts it); else the
// variable, else asked (twice for a new keystore, and then at least
// kMinPassphrase characters).
Result<std::optional<std::string>> keystore_passphrase(const std::string& dir, bool no_passphrase);

}  // namespace nl::cli
