// numledger import rir | diff | key: institutional data into a genesis,
// real changes between two snapshots into signed transactions, and one
// imported account's key as an ordinary key file.
#include <sys/resource.h>

#include <chrono>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <thread>

#include "cli/commands.h"
#include "cli/unknown_words.h"
#include "cli/exit_codes.h"
#include "cli/passphrases.h"
#include "cli/tx_file.h"
#include "crypto/basics/heap_allocator.h"
#include "crypto/key_file.h"
#include "ledger/interop/rir_diff.h"
#include "ledger/interop/rir_import.h"
#include "cli/terminal_progress.h"

namespace nl::cli {

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

uint64_t peak_rss_kib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<uint64_t>(ru.ru_maxrss);
}

std::string dump(const json& j) { return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n"; }

// The first inconsistencies on stderr, so they are seen without --report
// too; stdout keeps the summary alone.
void print_inconsistencies(const ledger::ImportReport& rep) {
  constexpr size_t kShown = 20;
  const auto& all = rep.inconsistencies;
  for (size_t i = 0; i < all.size() && i < kShown; ++i) {
    const auto& is = all[i];
    const std::string where = is.line ? is.file + ":" + std::to_string(is.line) : is.file;
    std::fprintf(stderr, "%s: %s: %s\n", where.c_str(), is.kind.c_str(), is.detail.c_str());
  }
  if (all.size() > kShown) std::fprintf(stderr, "... and %zu more; see --report\n", all.size() - kShown);
}

struct RirOpts {
  std::vector<std::string> files, vrps, validators;
  std::string iana_ipv4, iana_ipv6, chain_id, out, keystore, report_path;
  uint64_t time = 0;
  CLI::Option* time_opt = nullptr;
  bool force = false, compact = false, json = false, no_passphrase = false;
};

Result<ledger::ImportOptions> import_options(const RirOpts& o) {
  ledger::ImportOptions io;
  io.stats_files = o.files;
  if (!o.iana_ipv4.empty()) io.iana_ipv4 = o.iana_ipv4;
  if (!o.iana_ipv6.empty()) io.iana_ipv6 = o.iana_ipv6;
  io.vrp_files = o.vrps;
  io.chain_id = o.chain_id;
  io.genesis_time = o.time_opt && o.time_opt->count() > 0 ? o.time : unix_now();
  for (const auto& v : o.validators) {
    auto a = account_or_key_file(v);  // checked when parsed; a key file may have gone since
    if (!a) return fail("--validator " + a.error());
    io.validators.push_back(*a);
  }
  return io;
}

int run_import_rir(const RirOpts& o) {
  const auto start = Clock::now();
  if (!ledger::valid_chain_id(o.chain_id))
    return report(kExitUsage, "--chain-id must be 1-64 printable ASCII characters without spaces");
  if (path_exists(o.out) && !o.force)
    return report(kExitFailure, o.out + ": already exists; pass --force to overwrite a genesis file");
  auto options = import_options(o);
  if (!options) return report(kExitUsage, options.error());
  ledger::ImportOptions io = std::move(*options);
  std::sort(io.validators.begin(), io.validators.end());
  if (std::adjacent_find(io.validators.begin(), io.validators.end()) != io.validators.end())
    return report(kExitUsage, "a --validator is listed twice");

  auto pass = keystore_passphrase(o.keystore, o.no_passphrase);
  if (!pass) return report(kExitUsage, pass.error());
  auto keys = ledger::RirKeystore::open(o.keystore, *pass);
  if (!keys) return report(kExitFailure, keys.error());
  // Progress on a terminal: a full-size import takes tens of seconds.
  auto say = [&](const std::string& line) {
    char at[32];
    std::snprintf(at, sizeof at, "%6.1f s  ", seconds_since(start));
    progress_line("import", at + line);
  };
  io.progress = say;
  io.keep_records = false;
  io.keep_tree_check = true;
  auto result = ledger::import_rir(io, *keys);
  if (!result) return report(kExitFailure, result.error());
  const double import_s = seconds_since(start);
  const ledger::ImportReport& rep = result->report;
  print_inconsistencies(rep);
  if (rep.record_holdings == 0) {
    const std::string why = "nothing usable: no allocated or assigned record could be imported";
    // The report is what says which lines were wrong; a failed import needs it most.
    if (!o.report_path.empty()) {
      json j = rep.to_json();
      j["genesis"] = nullptr;
      j["error"] = why;
      j["seconds"] = {{"import", import_s}, {"total", seconds_since(start)}};
      j["peak_rss_kib"] = peak_rss_kib();
      if (auto s = write_file(o.report_path, dump(j)); !s) return report(kExitFailure, s.error());
    }
    return report(kExitFailure, why + "\n" + rep.summary());
  }

  // The keystore is written on another core while this one frees the
  // tree check and encodes the genesis (neither reads what the other
  // writes); the genesis file is written only once the keystore holding
  // its keys is.
  double keystore_s = 0;
  Status keystore_saved;
  std::thread keystore_writer([&] {
    const auto t = Clock::now();
    keystore_saved = keys->save();
    keystore_s = seconds_since(t);
  });
  struct JoinOnExit {
    std::thread& t;
    ~JoinOnExit() {
      if (t.joinable()) t.join();
    }
  } join_keystore{keystore_writer};
  auto t = Clock::now();
  // The import's check of the tree is some 400 MB in small blocks: handed
  // back to the system before the genesis buffer is allocated, or the
  // peak RSS is both.
  result->tree_check.reset();
  basics::release_free_memory();
  // The compact file is hashed from its own bytes: one encoding in memory.
  std::string json_text;
  Bytes compact_bytes;
  std::string hash;
  if (o.compact) {
    compact_bytes = result->genesis.binary_file_bytes();
    hash = ledger::Genesis::hash_of_binary_file(compact_bytes).hex();
  } else {
    json_text = result->genesis.to_json();
  }
  keystore_writer.join();
  if (!keystore_saved) return report(kExitFailure, keystore_saved.error());
  say("keystore written: " + keys->path());
  const std::string_view text = o.compact ? std::string_view(reinterpret_cast<const char*>(compact_bytes.data()),
                                                             compact_bytes.size())
                                          : std::string_view(json_text);
  if (auto s = write_file(o.out, text); !s) return report(kExitFailure, s.error());
  const double genesis_s = seconds_since(t);
  say("genesis written: " + o.out);
  if (!o.compact) hash = result->genesis.hash().hex();

  json j = rep.to_json();
  j["genesis"] = {{"file", o.out}, {"hash", hash}, {"bytes", text.size()}, {"chain_id", o.chain_id}};
  j["keystore"] = keys->path();
  j["keystore_encrypted"] = keys->encrypted();
  j["seconds"] = {{"import", import_s}, {"keystore", keystore_s}, {"genesis", genesis_s}, {"total", seconds_since(start)}};
  j["peak_rss_kib"] = peak_rss_kib();
  if (!o.report_path.empty())
    if (auto s = write_file(o.report_path, dump(j)); !s) return report(kExitFailure, s.error());
  if (o.json) {
    std::printf("%s", dump(j).c_str());
    return kExitOk;
  }
  std::printf("%s", rep.summary().c_str());
  std::printf("wrote %s (%zu bytes): chain '%s', %zu holdings, %zu authorizations, genesis hash %s\n", o.out.c_str(),
              text.size(), o.chain_id.c_str(), result->genesis.holding_count(), result->genesis.authorizations.size(),
              hash.c_str());
  std::printf("keys in %s (%s); %.2f s, peak RSS %llu KiB\n", keys->path().c_str(),
              keys->encrypted() ? "encrypted per organisation" : "UNENCRYPTED testnet keystore", seconds_since(start),
              static_cast<unsigned long long>(peak_rss_kib()));
  return kExitOk;
}

struct DiffOpts {
  std::string old_file, new_file, keystore, out, chain_id, genesis, genesis_hash, iana_ipv4, iana_ipv6, report_path;
  bool force = false, json = false, no_passphrase = false;
};

int run_import_diff(const DiffOpts& o) {
  const auto start = Clock::now();
  std::optional<ledger::Genesis> given;
  // The transactions bind the ledger's genesis hash: from its file, or given.
  crypto::Hash32 genesis_hash;
  if (!o.genesis.empty()) {
    auto g = ledger::Genesis::load(o.genesis);
    if (!g) return report(kExitFailure, g.error());
    if (!o.chain_id.empty() && o.chain_id != g->chain_id)
      return report(kExitUsage, "--chain-id '" + o.chain_id + "' differs from the genesis's '" + g->chain_id + "'");
    genesis_hash = g->hash();
    if (!o.genesis_hash.empty() && o.genesis_hash != genesis_hash.hex())
      return report(kExitUsage, "--genesis-hash differs from the hash of " + o.genesis + ", " + genesis_hash.hex());
    given = std::move(*g);
  } else if (!ledger::valid_chain_id(o.chain_id) || o.genesis_hash.empty()) {
    return report(kExitUsage, "pass the old ledger's --genesis, or --chain-id (1-64 printable ASCII characters) "
                              "with --genesis-hash (transactions bind the genesis hash, not only the chain id)");
  } else if (auto h = crypto::Hash32::from_hex(o.genesis_hash)) {
    genesis_hash = *h;
  } else {
    return report(kExitUsage, "--genesis-hash '" + o.genesis_hash.substr(0, 80) + "' is not 64 hex digits");
  }
  std::error_code ec;
  if (std::filesystem::exists(o.out, ec) && !std::filesystem::is_empty(o.out, ec) && !o.force)
    return report(kExitFailure, o.out + ": exists and is not empty; pass --force to write into it");

  auto pass = keystore_passphrase(o.keystore, o.no_passphrase);
  if (!pass) return report(kExitUsage, pass.error());
  auto keys = ledger::RirKeystore::open(o.keystore, *pass);
  if (!keys) return report(kExitFailure, keys.error());
  ledger::ImportOptions io;
  if (!o.iana_ipv4.empty()) io.iana_ipv4 = o.iana_ipv4;
  if (!o.iana_ipv6.empty()) io.iana_ipv6 = o.iana_ipv6;
  io.chain_id = given ? given->chain_id : o.chain_id;
  auto say = [&](const std::string& line) {
    char at[32];
    std::snprintf(at, sizeof at, "%6.1f s  ", seconds_since(start));
    progress_line("diff", at + line);
  };
  say("reading the old snapshot " + o.old_file);
  io.stats_files = {o.old_file};
  auto old_import = ledger::import_rir(io, *keys);
  if (!old_import) return report(kExitFailure, old_import.error());
  say("reading the new snapshot " + o.new_file);
  io.stats_files = {o.new_file};
  auto new_import = ledger::import_rir(io, *keys);
  if (!new_import) return report(kExitFailure, new_import.error());
  const ledger::Genesis& genesis = given ? *given : old_import->genesis;
  say("comparing " + std::to_string(old_import->records.size()) + " and " +
      std::to_string(new_import->records.size()) + " records, signing the transactions");

  auto diff = ledger::diff_rir(genesis, genesis_hash, old_import->records, {o.old_file}, new_import->records, {o.new_file}, *keys);
  if (!diff) return report(kExitFailure, diff.error());
  if (auto s = keys->save(); !s) return report(kExitFailure, s.error());

  std::filesystem::create_directories(o.out, ec);
  if (ec) return report(kExitFailure, o.out + ": cannot create: " + ec.message());
  char name[64];
  for (size_t i = 0; i < diff->txs.size(); ++i) {
    const auto& tx = diff->txs[i];
    std::snprintf(name, sizeof name, "%06zu-%s.tx", i + 1, std::string(ledger::tx_kind_name(ledger::body_kind(tx.body))).c_str());
    if (auto s = write_tx_file((std::filesystem::path(o.out) / name).string(), tx); !s)
      return report(kExitFailure, s.error());
  }

  json inexpressible = json::array();
  for (const auto& i : diff->inexpressible)
    inexpressible.push_back({{"kind", i.kind}, {"file", i.file}, {"line", i.line}, {"detail", i.detail}});
  json j = {{"transactions", diff->txs.size()},     {"returns", diff->returns},
            {"transfers", diff->transfers},         {"delegations", diff->delegations},
            {"metadata_updates", diff->metadata_updates}, {"unchanged", diff->unchanged},
            {"inexpressible", inexpressible},       {"old", old_import->report.to_json()},
            {"new", new_import->report.to_json()},  {"seconds", seconds_since(start)}};
  if (!o.report_path.empty())
    if (auto s = write_file(o.report_path, dump(j)); !s) return report(kExitFailure, s.error());
  if (o.json) {
    j["out"] = o.out;
    j["keystore"] = keys->path();
    std::printf("%s", dump(j).c_str());
    return kExitOk;
  }
  std::printf("%llu unchanged; %llu returns, %llu transfers, %llu delegations, %llu metadata updates\n",
              static_cast<unsigned long long>(diff->unchanged), static_cast<unsigned long long>(diff->returns),
              static_cast<unsigned long long>(diff->transfers), static_cast<unsigned long long>(diff->delegations),
              static_cast<unsigned long long>(diff->metadata_updates));
  std::printf("%zu changes no transaction expresses (see the report)\n", diff->inexpressible.size());
  std::printf("wrote %zu transactions to %s in apply order; new keys in %s\n", diff->txs.size(), o.out.c_str(),
              keys->path().c_str());
  return kExitOk;
}

// "; did you mean 'afrinic-F364712F'?": the registry prefix forgotten, the
// case wrong, or a slip.
std::string org_hint(const ledger::RirKeystore& keys, const std::string& org) {
  auto lower = [](std::string t) {
    for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return t;
  };
  const std::string want = lower(org);
  const std::vector<std::string> all = keys.orgs();
  std::vector<std::string> like;
  for (const auto& name : all) {
    const std::string l = lower(name);
    if (l == want || (l.size() > want.size() && l.ends_with("-" + want))) like.push_back(name);
  }
  if (like.size() == 1) return "; did you mean '" + like.front() + "'?";
  if (like.size() > 1) {
    std::string list;
    for (size_t i = 0; i < like.size() && i < 5; ++i) list += (i ? "', '" : "'") + like[i];
    return "; did you mean one of " + list + "'" + (like.size() > 5 ? " ..." : "") + "?";
  }
  if (auto near = closest_name(org, all)) return "; did you mean '" + *near + "'?";
  return "";
}

struct KeyOpts {
  std::string keystore, org, out;
  bool no_passphrase = false, json = false;
};

// One organisation's key, out of the keystore, as an ordinary key file
// under a passphrase of its own: what is handed to that organisation.
int run_import_key(const KeyOpts& o) {
  if (path_exists(o.out)) return report(kExitFailure, o.out + ": already exists; refusing to overwrite a key file");
  if (!path_exists((std::filesystem::path(o.keystore) / ledger::RirKeystore::kFileName).string()))
    return report(kExitFailure, o.keystore + ": no keystore here (no " + ledger::RirKeystore::kFileName +
                                    "; numledger import rir --keystore writes one)");
  auto pass = keystore_passphrase(o.keystore, false);
  if (!pass) return report(kExitUsage, pass.error());
  auto keys = ledger::RirKeystore::open(o.keystore, *pass);
  if (!keys) return report(kExitFailure, keys.error());
  auto account = keys->find(o.org);
  if (!account)
    return report(kExitFailure, keys->path() + ": no organisation '" + o.org + "'" + org_hint(*keys, o.org));
  auto key = keys->key(*account);
  if (!key) return report(kExitFailure, key.error());
  std::optional<std::string> file_pass;
  if (!o.no_passphrase) {
    auto p = new_passphrase(o.out, "NUMLEDGER_PASSPHRASE", "--no-passphrase");
    if (!p) return report(kExitUsage, p.error());
    if (p->size() < kMinPassphrase)
      return report(kExitUsage, "the passphrase for " + o.out + " has " + std::to_string(p->size()) +
                                    " characters; use at least " + std::to_string(kMinPassphrase));
    file_pass = std::move(*p);
  }
  if (auto s = crypto::save_key_file(o.out, *key, file_pass); !s) return report(kExitFailure, s.error());
  if (o.json) {
    const json j = {{"org", o.org}, {"account", account->to_string()}, {"file", o.out}, {"encrypted", file_pass.has_value()}};
    std::printf("%s", dump(j).c_str());
  } else {
    std::printf("%s\n", account->to_string().c_str());
    std::fprintf(stderr, "wrote %s (%s)\n", o.out.c_str(),
                 file_pass ? "encrypted with its own passphrase" : "UNENCRYPTED testnet key");
  }
  return kExitOk;
}

void add_iana_options(CLI::App* cmd, std::string& v4, std::string& v6) {
  cmd->add_option("--iana-ipv4", v4, "IANA ipv4-address-space CSV: each /8 to its registry")->check(CLI::ExistingFile);
  cmd->add_option("--iana-ipv6", v6, "IANA ipv6-unicast-address-assignments CSV")->check(CLI::ExistingFile);
}

}  // namespace

void add_import_commands(CLI::App& app, Dispatch& d) {
  CLI::App& imp = add_group(app, "import", "bootstrap a ledger from RIR statistics, IANA registries and VRPs");

  auto [rir, r] = add_command<RirOpts>(
      imp, "rir", "build a genesis from delegated statistics files (7- or 8-field, any registries, NRO combined)", d,
      run_import_rir);
  rir->add_option("FILE", r->files, "RIR statistics files")->required()->check(CLI::ExistingFile);
  add_iana_options(rir, r->iana_ipv4, r->iana_ipv6);
  rir->add_option("--vrps", r->vrps, "validated ROA payloads (Routinator json or csv); repeat")->check(CLI::ExistingFile);
  rir->add_option("--chain-id", r->chain_id, "chain id")->required();
  rir->add_option("--validator", r->validators, "validator ACCOUNT; repeat")->required()->check(account_value());
  rir->add_option("--out", r->out, "genesis file to write")->required();
  rir->add_option("--keystore", r->keystore, "directory for the organisations' keys (created; reused)")->required();
  rir->add_option("--report", r->report_path, "write the JSON report here");
  r->time_opt = rir->add_option("--time", r->time, "genesis time in unix seconds (default: now)");
  rir->add_flag("--force", r->force, "overwrite an existing genesis file");
  rir->add_flag("--json", r->json, "print the report (as --report writes it) on stdout instead of the summary");
  rir->add_flag("--no-passphrase", r->no_passphrase,
                "a new keystore is UNENCRYPTED (testnets only); otherwise it is encrypted per organisation under "
                "NUMLEDGER_KEYSTORE_PASSPHRASE or a passphrase asked twice");
  rir->add_flag("--compact", r->compact,
                "write the genesis in its compact binary form (whitepaper/encoding.md, \"The compact genesis file\"): "
                "about half the size and several times faster to read at a million entries");

  auto [diff, o] = add_command<DiffOpts>(
      imp, "diff", "signed transactions that take a ledger built from OLD to NEW (two snapshots of one registry)", d,
      run_import_diff);
  diff->add_option("OLD", o->old_file, "older statistics file")->required()->check(CLI::ExistingFile);
  diff->add_option("NEW", o->new_file, "newer statistics file")->required()->check(CLI::ExistingFile);
  diff->add_option("--keystore", o->keystore, "the keystore `import rir OLD` used; new organisations are added")
      ->required();
  diff->add_option("--out", o->out, "directory for the transaction files")->required();
  diff->add_option("--chain-id", o->chain_id, "chain id (or give --genesis)");
  diff->add_option("--genesis", o->genesis, "the genesis the old ledger was built from")->check(CLI::ExistingFile);
  diff->add_option("--genesis-hash", o->genesis_hash, "that genesis's hash, 64 hex digits (with --chain-id)");
  add_iana_options(diff, o->iana_ipv4, o->iana_ipv6);
  diff->add_option("--report", o->report_path, "write the JSON report here");
  diff->add_flag("--force", o->force, "write into a non-empty --out directory");
  diff->add_flag("--json", o->json, "print the report (as --report writes it, with out and keystore) on stdout");
  diff->add_flag("--no-passphrase", o->no_passphrase,
                 "the keystore is unencrypted (testnets); an encrypted one reads NUMLEDGER_KEYSTORE_PASSPHRASE");

  auto [key, k] = add_command<KeyOpts>(
      imp, "key",
      "write one imported organisation's key as an ordinary key file under a passphrase of its own, to hand to "
      "that organisation (which then takes its account over: import handover)",
      d, run_import_key);
  key->add_option("--keystore", k->keystore, "keystore directory (NUMLEDGER_KEYSTORE_PASSPHRASE if encrypted)")
      ->required();
  key->add_option("--org", k->org, "organisation (\"afrinic-F36B9F4B\", \"afrinic\", \"iana\")")->required();
  key->add_option("--out", k->out, "key file to create (never overwritten)")->required();
  key->add_flag("--no-passphrase", k->no_passphrase,
                "write the key file UNENCRYPTED (testnets only); otherwise its passphrase comes from "
                "NUMLEDGER_PASSPHRASE or is asked twice");
  key->add_flag("--json", k->json, "print {org, account, file, encrypted}");
  add_handover_command(imp, d);
}

}  // namespace nl::cli
