#include "cli/passphrases.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "ledger/interop/rir_keystore.h"
#include "node/client/terminal_passphrase.h"

namespace nl::cli {

Result<std::string> new_passphrase(const std::string& what, const char* env, const std::string& unencrypted_flag) {
  if (const char* v = std::getenv(env)) {
    if (*v == '\0') return fail(std::string(env) + " is empty; use " + unencrypted_flag + " for no encryption");
    return std::string(v);
  }
  const std::string no_tty = "no terminal to ask for a passphrase for " + what + "; set " + env + " or use " +
                             unencrypted_flag + " for no encryption (testnets only)";
  int fd = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return fail(no_tty);
  auto first = node::read_hidden_line(fd, "New passphrase for " + what + ": ");
  auto second = first ? node::read_hidden_line(fd, "Repeat passphrase: ") : std::nullopt;
  ::close(fd);
  if (!first || !second) return fail(no_tty);
  if (first->empty()) return fail("empty passphrase; use " + unencrypted_flag + " for no encryption");
  if (*first != *second) return fail("the two passphrases differ; " + what + " was not written");
  return *first;
}

Result<std::optional<std::string>> keystore_passphrase(const std::string& dir, bool no_passphrase) {
  using ledger::RirKeystore;
  const bool encrypted = RirKeystore::is_encrypted(dir);
  std::error_code ec;
  const bool exists = std::filesystem::exists(std::filesystem::path(dir) / RirKeystore::kFileName, ec);
  if (no_passphrase) {
    if (encrypted)
      return fail(dir + ": the keystore is encrypted; drop --no-passphrase and set " +
                  RirKeystore::kPassphraseEnv);
    return std::optional<std::string>();
  }
  const char* env = std::getenv(RirKeystore::kPassphraseEnv);
  if (exists && !encrypted && !env) return std::optional<std::string>();
  if (exists && encrypted) {
    if (env) return std::optional<std::string>(env);
    const std::string path = (std::filesystem::path(dir) / RirKeystore::kFileName).string();
    auto p = node::prompt_passphrase(path);
    if (!p) return fail(path + ": the keystore is encrypted; set " + RirKeystore::kPassphraseEnv);
    return std::optional<std::string>(std::move(*p));
  }
  auto p = new_passphrase("the keystore " + dir, RirKeystore::kPassphraseEnv, "--no-passphrase");
  if (!p) return p.take_error();
  if (p->size() < kMinPassphrase)
    return fail("the keystore passphrase has " + std::to_string(p->size()) + " characters; use at least " +
                std::to_string(kMinPassphrase));
  return std::optional<std::string>(std::move(*p));
}

}  // namespace nl::cli
