// numledger key new / key show.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/passphrases.h"
#include "crypto/key_file.h"
#include "node/client/terminal_passphrase.h"
#include "ledger/account.h"

namespace nl::cli {

namespace {

struct NewOpts {
  std::string out;
  bool no_passphrase = false, weak_passphrase = false;
};

int run_key_new(const NewOpts& o) {
  // Checked before asking for a passphrase; save_key_file checks again atomically.
  if (path_exists(o.out)) return report(kExitFailure, o.out + ": already exists; refusing to overwrite a key file");
  std::optional<std::string> pass;
  if (!o.no_passphrase) {
    auto p = new_passphrase(o.out, "NUMLEDGER_PASSPHRASE", "--no-passphrase");
    if (!p) return report(kExitUsage, p.error());
    if (p->size() < kMinPassphrase && !o.weak_passphrase)
      return report(kExitUsage, "the passphrase has " + std::to_string(p->size()) + " characters; use at least " +
                                    std::to_string(kMinPassphrase) + ", or pass --weak-passphrase (" + o.out +
                                    " was not written)");
    pass = std::move(*p);
  }
  auto key = crypto::SecretKey::generate();
  if (auto s = crypto::save_key_file(o.out, key, pass); !s) return report(kExitFailure, s.error());
  std::printf("%s\n", ledger::AccountId{key.public_key()}.to_string().c_str());
  std::fprintf(stderr, "wrote %s (%s)\n", o.out.c_str(),
               pass ? "encrypted with the passphrase" : "UNENCRYPTED testnet key");
  return kExitOk;
}

int run_key_show(const std::string& path, bool public_key, bool json) {
  auto pk = crypto::read_key_file_public(path);
  if (!pk) return report(kExitFailure, pk.error());
  if (json) {
    const nlohmann::json j = {{"file", path}, {"account", ledger::AccountId{*pk}.to_string()}, {"public_key", pk->hex()}};
    std::printf("%s\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return kExitOk;
  }
  std::printf("%s\n", ledger::AccountId{*pk}.to_string().c_str());
  if (public_key) std::printf("%s\n", pk->hex().c_str());
  return kExitOk;
}

}  // namespace

void add_key_commands(CLI::App& app, Dispatch& d) {
  CLI::App& key = add_group(app, "key", "create and inspect key files");

  auto [cmd_new, n] = add_command<NewOpts>(
      key, "new", "generate a key and write it to a key file; prints the account id", d, run_key_new);
  cmd_new->add_option("--out", n->out, "key file to create (never overwritten)")->required();
  cmd_new->add_flag("--no-passphrase", n->no_passphrase,
                    "store the key unencrypted (testnets only); otherwise the passphrase comes "
                    "from NUMLEDGER_PASSPHRASE or is asked twice");
  cmd_new->add_flag("--weak-passphrase", n->weak_passphrase,
                    "accept a passphrase shorter than " + std::to_string(kMinPassphrase) + " characters");

  auto path = std::make_shared<std::string>();
  auto public_key = std::make_shared<bool>(false);
  auto json = std::make_shared<bool>(false);
  auto* cmd_show = key.add_subcommand("show", "print the account id of a key file (no passphrase needed)");
  cmd_show->add_option("FILE", *path, "key file")->required();
  cmd_show->add_flag("--public-key", *public_key, "also print the public key in hex");
  cmd_show->add_flag("--json", *json, "print {file, account, public_key}");
  cmd_show->callback([path, public_key, json, &d] {
    d.action = [path, public_key, json] { return run_key_show(*path, *public_key, *json); };
  });
}

}  // namespace nl::cli
