// numledger export rir: one registry's subtree as an RIR statistics file
// (extended form), from a running node (GET /api/v1/rir/NAME), from a
// genesis, or from a stopped node's ledger directory (RocksDB allows one
// process, so the node must be stopped to read it in place).
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/node_client.h"
#include "ledger/chain.h"
#include "ledger/interop/rir_export.h"

namespace nl::cli {

namespace {

struct ExportRirOpts {
  std::string registry, genesis, data_dir, out, node;
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

// A node's answer carries the file whole; large registries take a while.
Result<ledger::RirExport> export_from_node(const ExportRirOpts& o) {
  NodeClient node(o.node, std::chrono::seconds(300));
  auto j = node.get("/api/v1/rir/" + encode_path_segment(o.registry));
  if (!j) return j.take_error();
  if (!j->contains("text") || !(*j)["text"].is_string() || !j->contains("records") ||
      !(*j)["records"].is_number_unsigned())
    return fail("node " + node.url() + " sent no statistics file");
  return ledger::RirExport{(*j)["text"].get<std::string>(), (*j)["records"].get<uint64_t>()};
}

int run_export_rir(const ExportRirOpts& o) {
  if (o.genesis.empty()) {
    if (!o.data_dir.empty()) return report(kExitUsage, "--data-dir needs --genesis FILE");
    if (o.node.empty())
      return report(kExitUsage,
                    "name a node (--node URL or NUMLEDGER_NODE) or a genesis (--genesis FILE [--data-dir DIR])");
    auto ex = export_from_node(o);
    if (!ex) return report(kExitFailure, ex.error());
    if (ex->records == 0)
      std::fprintf(stderr, "numledger: no holding names '%s' as its source registry\n", o.registry.c_str());
    return write_out(o.out, ex->text);
  }
  auto g = ledger::Genesis::load(o.genesis);
  if (!g) return report(kExitFailure, g.error());
  ledger::RirExport ex;
  if (o.data_dir.empty()) {
    ledger::Registry reg(g->chain_id, g->hash());
    for (const auto& root : g->roots)
      if (auto s = reg.add_root(root.range, root.holder, root.meta); !s)
        return report(kExitFailure, o.genesis + ": root " + root.range.to_string() + ": " + s.error());
    if (auto s = reg.add_genesis_imports(*g); !s) return report(kExitFailure, o.genesis + ": " + s.error());
    // Everything in a genesis was created at height 0.
    ex = ledger::export_rir(reg, ledger::GenesisRecords(*g), o.registry, ledger::yyyymmdd(g->genesis_time), [](uint64_t) { return ""; });
  } else {
    std::error_code ec;
    if (!std::filesystem::is_directory(o.data_dir, ec))
      return report(kExitFailure, o.data_dir + ": not a ledger directory");
    auto chain = ledger::Chain::open(o.data_dir, *g);
    if (!chain) return report(kExitFailure, chain.error());
    ex = ledger::export_rir(**chain, o.registry);
  }
  if (ex.records == 0)
    std::fprintf(stderr, "numledger: no holding names '%s' as its source registry\n", o.registry.c_str());
  return write_out(o.out, ex.text);
}

}  // namespace

void add_export_rir_command(CLI::App& exp, Dispatch& d) {
  auto [cmd, o] = add_command<ExportRirOpts>(
      exp, "rir", "write a registry's holdings as an RIR delegated-extended statistics file", d, run_export_rir);
  cmd->add_option("--registry", o->registry, "registry name as in the statistics files (afrinic, lacnic, ...; any case)")
      ->transform([](std::string s) {
        for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));  // names are lower case
        return s;
      })
      ->required();
  add_node_option(cmd, o->node)->description(
      "node API base URL: export its current state (used when --genesis is not given)");
  cmd->add_option("--genesis", o->genesis, "export offline from this genesis file (the imported tree)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--data-dir", o->data_dir,
                  "with --genesis: a stopped node's ledger directory (HOME/ledger), for its current state");
  cmd->add_option("--out", o->out, "file to write (default: standard output)");
}

}  // namespace nl::cli
