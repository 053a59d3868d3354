// numledger: the holder's and operator's command line. This file only
// assembles the command groups and maps the outcome to an exit code.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/unknown_words.h"
#include "crypto/ed25519.h"

int main(int argc, char** argv) {
  using namespace nl::cli;
  nl::crypto::init();

  CLI::App app{"numledger: keys, transactions, queries and proofs for a numledger registry"};
  app.name("numledger");
  app.require_subcommand(1);
  Dispatch d;
  add_key_commands(app, d);
  add_genesis_commands(app, d);
  CLI::App& tx = add_group(app, "tx", "build, sign, show and submit transactions");
  add_tx_build_commands(tx, d);
  add_tx_sign_show_commands(tx, d);
  add_submit_command(tx, d);
  add_status_command(tx, d);
  add_query_commands(app, d);
  add_proof_commands(app, d);
  add_sim_commands(app, d);
  CLI::App& exp = add_group(app, "export", "write ledger data in the formats other tools read");
  add_export_vrps_command(exp, d);
  add_export_rir_command(exp, d);
  add_import_commands(app, d);
  add_testnet_commands(app, d);

  app.set_version_flag("--version", std::string("numledger ") + NL_VERSION);

  // Unknown words first: CLI11 would report a missing required flag instead.
  if (auto unknown = unknown_word(app, std::vector<std::string>(argv + 1, argv + argc)))
    return report(kExitUsage, *unknown);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and friends exit 0; every real parse error is a usage error.
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  if (!d.action) return report(kExitUsage, "no command given; see numledger --help");
  try {
    return d.action();
  } catch (const std::exception& e) {
    // Commands report errors as values; this is the last guard against a crash.
    return report(kExitFailure, std::string("unexpected error: ") + e.what());
  }
}
