// The chain a command signs for. A transaction binds the chain id and the
// genesis hash, so an offline signer names the chain by its genesis file
// (--genesis) or by --chain-id with --genesis-hash; otherwise the node says.
#pragma once
#include <optional>
#include <string>

#include "cli/cli_common.h"
#include "cli/node_client.h"

namespace nl::cli {

struct ChainOpts {
  std::string chain_id, genesis_file, genesis_hash;
};

void add_chain_options(CLI::App* cmd, ChainOpts& o);
// Usage errors in the options themselves (length, hex).
Status check_chain_options(const ChainOpts& o);
// True when the options name the chain without asking a node.
bool chain_named_offline(const ChainOpts& o);
// What to give when no node is named, e.g. "--genesis FILE (or --chain-id
// with --genesis-hash HEX)"; says why --chain-id alone is not enough.
std::string chain_options_missing(const ChainOpts& o);
// From the options, then from the node at `node_url` for what they lack;
// the two must agree.
Result<ChainIdentity> resolve_chain(const ChainOpts& o, const std::string& node_url);

}  // namespace nl::cli
