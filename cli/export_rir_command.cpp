// numledger export rir: one registry's subtree as an RIR statistics file
// (extended form), from a genesis or from a stopped node's ledger
// directory. A running node's API has no call that lists a subtree, so the
// ledger is read in place (RocksDB allows one process: stop the node first).
#include <cstdio>
#include <filesystem>
#include <memory>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "ledger/chain.h"
#include "ledger/rir_export.h"

namespace nl::cli {

namespace {

struct ExportRirOpts {
  std::string registry, genesis, data_dir, out;
};

int write_out(const std::string& out, const std::string& text) {
  if (out.empty()) {
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0)
      return report(kExitFailure, "cannot write to standard output");
    return kExitOk;
  }
  if (auto s = write_file(out, text); !s) return report(kExitFailure, s.error());
  return kExitOk;
}

int run_export_rir(const ExportRirOpts& o) {
  auto g = ledger::Genesis::load(o.genesis);
  if (!g) return report(kExitFailure, g.error());
  ledger::RirExport ex;
  if (o.data_dir.empty()) {
    ledger::Registry reg(g->chain_id);
    for (const auto& root : g->roots)
      if (auto s = reg.add_root(root.range, root.holder, root.meta); !s)
        return report(kExitFailure, o.genesis + ": root " + root.range.to_string() + ": " + s.error());
    if (auto s = reg.add_genesis_imports(*g); !s) return report(kExitFailure, o.genesis + ": " + s.error());
    // Everything in a genesis was created at height 0.
    ex = ledger::export_rir(reg, *g, o.registry, ledger::yyyymmdd(g->genesis_time), [](uint64_t) { return ""; });
  } else {
    std::error_code ec;
    if (!std::filesystem::is_directory(o.data_dir, ec))
      return report(kExitFailure, o.data_dir + ": not a ledger directory");
    auto chain = ledger::Chain::open(o.data_dir, *g);
    if (!chain) return report(kExitFailure, chain.error());
    const ledger::Chain& c = **chain;
    auto date_of = [&c](uint64_t height) -> std::string {
      auto b = c.store().block(height);
      return b ? ledger::yyyymmdd(b->header.time) : std::string();
    };
    ex = ledger::export_rir(c.registry(), *g, o.registry, ledger::yyyymmdd(c.tip_header().time), date_of);
  }
  if (ex.records == 0)
    std::fprintf(stderr, "numledger: no holding names '%s' as its source registry\n", o.registry.c_str());
  return write_out(o.out, ex.text);
}

}  // namespace

void add_export_rir_command(CLI::App& exp, Dispatch& d) {
  auto o = std::make_shared<ExportRirOpts>();
  auto* cmd = exp.add_subcommand(
      "rir", "write a registry's holdings as an RIR delegated-extended statistics file");
  cmd->add_option("--registry", o->registry, "registry name as in the statistics files (afrinic, lacnic, ...)")
      ->required();
  cmd->add_option("--genesis", o->genesis, "genesis file (the imported tree)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--data-dir", o->data_dir,
                  "a stopped node's ledger directory (HOME/ledger): export the ledger's current state");
  cmd->add_option("--out", o->out, "file to write (default: standard output)");
  cmd->callback([o, &d] { d.action = [o] { return run_export_rir(*o); }; });
}

}  // namespace nl::cli
