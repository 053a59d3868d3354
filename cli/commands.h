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
// tx validator-update (cli/tx_validator_commands.cpp), added by add_tx_build_commands.
void add_validator_update_command(CLI::App& tx, Dispatch& d);
// tx sign and tx show.
void add_tx_sign_show_commands(CLI::App& tx, Dispatch& d);
void add_submit_command(CLI::App& tx, Dispatch& d);
void add_status_command(CLI::App& tx, Dispatch& d);
// query RESOURCE, query account|validators|evidence, history RESOURCE.
void add_query_commands(CLI::App& app, Dispatch& d);
// query mine (cli/query_mine_command.cpp), added by add_query_commands;
// `group_node` is the --node given before `mine`.
void add_query_mine_command(CLI::App& query, Dispatch& d, const std::string& group_node);
void add_proof_commands(CLI::App& app, Dispatch& d);
// sim consensus: seeded consensus simulations.
void add_sim_commands(CLI::App& app, Dispatch& d);
// sim whole-node (sim_whole_node_command.cpp), under the sim group.
void add_sim_whole_node_command(CLI::App& sim, Dispatch& d);
// export vrps under the `export` group.
void add_export_vrps_command(CLI::App& exp, Dispatch& d);
// export rir under the `export` group (cli/export_rir_command.cpp).
void add_export_rir_command(CLI::App& exp, Dispatch& d);
// import rir, import diff, import key (cli/import_commands.cpp).
void add_import_commands(CLI::App& app, Dispatch& d);
// import handover (cli/import_handover_command.cpp), added by add_import_commands.
void add_handover_command(CLI::App& imp, Dispatch& d);
// testnet init|start|status|stop (cli/testnet_commands.cpp).
void add_testnet_commands(CLI::App& app, Dispatch& d);

}  // namespace nl::cli
