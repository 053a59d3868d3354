// numledger genesis new.
#include <algorithm>
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "crypto/key_file.h"
#include "ledger/genesis.h"

namespace nl::cli {

namespace {

struct GenesisOpts {
  std::string chain_id, out;
  std::vector<std::string> validators, roots;
  uint64_t time = 0;
  CLI::Option* time_opt = nullptr;
  bool force = false;
};

int run_genesis_new(const GenesisOpts& o) {
  ledger::Genesis g;
  if (o.chain_id.empty() || o.chain_id.size() > ledger::kMaxChainIdBytes)
    return report(kExitUsage, "--chain-id must be 1-" + std::to_string(ledger::kMaxChainIdBytes) + " bytes");
  g.chain_id = o.chain_id;
  g.genesis_time = o.time_opt->count() > 0 ? o.time : unix_now();

  for (const auto& v : o.validators) {
    auto a = account_or_key_file(v);
    if (!a) return report(kExitUsage, "--validator: " + a.error());
    if (g.validators.find(a->key)) return report(kExitUsage, "--validator " + v + " is listed twice");
    g.validators.validators.push_back({a->key, 1});
    std::sort(g.validators.validators.begin(), g.validators.validators.end());
  }

  for (const auto& spec : o.roots) {
    auto eq = spec.rfind('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
      return report(kExitUsage, "--root '" + spec + "' is not RESOURCE=ACCOUNT");
    auto range = ledger::Resource::parse(spec.substr(0, eq));
    if (!range) return report(kExitUsage, "--root '" + spec + "': " + range.error());
    auto holder = account_or_key_file(spec.substr(eq + 1));
    if (!holder) return report(kExitUsage, "--root '" + spec + "': " + holder.error());
    // Invariant I1: roots are pairwise disjoint; refuse here, with both names.
    for (const auto& r : g.roots)
      if (r.range.overlaps(*range))
        return report(kExitUsage, "--root " + range->to_string() + " overlaps root " + r.range.to_string());
    g.roots.push_back({*range, *holder, {}});
  }

  if (path_exists(o.out) && !o.force)
    return report(kExitFailure, o.out + ": already exists; pass --force to overwrite a genesis file");
  // Round-trip through the reader so that what we write is what nodes will load.
  const std::string text = g.to_json();
  auto check = ledger::Genesis::from_json(text);
  if (!check) return report(kExitFailure, "internal: the genesis does not read back: " + check.error());
  if (auto s = write_file(o.out, text); !s) return report(kExitFailure, s.error());
  std::printf("wrote %s: chain '%s', %zu validator(s), %zu root(s), genesis time %s\n", o.out.c_str(),
              g.chain_id.c_str(), g.validators.validators.size(), g.roots.size(),
              rfc3339(g.genesis_time).c_str());
  std::printf("genesis hash %s\n", g.hash().hex().c_str());
  return kExitOk;
}

}  // namespace

void add_genesis_commands(CLI::App& app, Dispatch& d) {
  CLI::App& genesis = add_group(app, "genesis", "create a genesis file");

  auto [cmd, o] = add_command<GenesisOpts>(
      genesis, "new", "write a genesis: chain id, validators and root holdings", d, run_genesis_new);
  cmd->add_option("--chain-id", o->chain_id, "chain id (1-64 bytes)")->required();
  cmd->add_option("--validator", o->validators, "validator ACCOUNT (or its key file); repeat for more")
      ->required();
  cmd->add_option("--root", o->roots, "root holding RESOURCE=ACCOUNT (ACCOUNT may be a key file); repeat")
      ->required();
  cmd->add_option("--out", o->out, "genesis file to write")->required();
  o->time_opt = cmd->add_option("--time", o->time, "genesis time in unix seconds (default: now)");
  cmd->add_flag("--force", o->force, "overwrite an existing genesis file");
}

}  // namespace nl::cli
