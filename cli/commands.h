// Registration of the numledger command groups. Each adds its subcommands
// to `app` and, when one is chosen, records its action in `d`.
#pragma once
#include <CLI/CLI.hpp>

#include "cli/cli_common.h"

namespace nl::cli {

void add_key_commands(CLI::App& app, Dispatch& d);
void add_genesis_commands(CLI::App& app, Dispatch& d);
// tx builders (delegate, transfer, ...) under the `tx` group.
void add_tx_build_commands(CLI::App& tx, Dispatch& d);
// tx sign and tx show.
void add_tx_sign_show_commands(CLI::App& tx, Dispatch& d);
void add_submit_command(CLI::App& tx, Dispatch& d);
// query RESOURCE, query account ACCOUNT, history RESOURCE.
void add_query_commands(CLI::App& app, Dispatch& d);
void add_proof_commands(CLI::App& app, Dispatch& d);

}  // namespace nl::cli
