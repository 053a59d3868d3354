#include "cli/chain_target.h"

#include "ledger/genesis.h"
#include "ledger/transaction.h"

namespace nl::cli {

void add_chain_options(CLI::App* cmd, ChainOpts& o) {
  cmd->add_option("--chain-id", o.chain_id, "chain id (default: from --genesis or --node)");
  cmd->add_option("--genesis", o.genesis_file, "the chain's genesis file: its chain id and hash are signed")
      ->check(CLI::ExistingFile);
  cmd->add_option("--genesis-hash", o.genesis_hash, "the chain's genesis hash, 64 hex digits (default: from --node)");
}

Status check_chain_options(const ChainOpts& o) {
  if (o.chain_id.size() > ledger::kMaxChainIdBytes)
    return fail("--chain-id is longer than " + std::to_string(ledger::kMaxChainIdBytes) + " bytes");
  if (!o.genesis_hash.empty() && !crypto::Hash32::from_hex(o.genesis_hash))
    return fail("--genesis-hash '" + o.genesis_hash.substr(0, 80) + "' is not 64 hex digits");
  return {};
}

bool chain_named_offline(const ChainOpts& o) {
  return !o.genesis_file.empty() || (!o.chain_id.empty() && !o.genesis_hash.empty());
}

std::string chain_options_missing(const ChainOpts& o) {
  if (!o.chain_id.empty())
    return "--genesis FILE or --genesis-hash HEX (signatures bind the genesis hash, not only --chain-id)";
  if (!o.genesis_hash.empty()) return "--chain-id";
  return "--genesis FILE (or --chain-id with --genesis-hash HEX)";
}

Result<ChainIdentity> resolve_chain(const ChainOpts& o, const std::string& node_url) {
  std::optional<ChainIdentity> have;
  if (!o.genesis_file.empty()) {
    auto g = ledger::Genesis::load(o.genesis_file);
    if (!g) return g.take_error();
    have = ChainIdentity{g->chain_id, g->hash()};
  } else if (chain_named_offline(o)) {
    have = ChainIdentity{o.chain_id, *crypto::Hash32::from_hex(o.genesis_hash)};
  } else {
    auto c = NodeClient(node_url).chain();
    if (!c) return fail("fetching the chain id and genesis hash: " + c.error());
    have = *c;
  }
  if (!o.chain_id.empty() && o.chain_id != have->chain_id)
    return fail("--chain-id '" + o.chain_id + "' differs from the chain's '" + have->chain_id + "'");
  if (!o.genesis_hash.empty() && *crypto::Hash32::from_hex(o.genesis_hash) != have->genesis_hash)
    return fail("--genesis-hash " + o.genesis_hash + " differs from the chain's " + have->genesis_hash.hex());
  return *have;
}

}  // namespace nl::cli
