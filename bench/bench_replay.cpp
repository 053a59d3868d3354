// bench_replay: real registry change as a workload through a real testnet
// (issue 18, item 1). It imports OLD with `numledger import rir`, starts a
// testnet of real numledgerd processes on that genesis (`testnet init
// --genesis --keystore`), turns OLD -> NEW into transactions signed by each
// holder's key (`numledger import diff`), submits them through the nodes'
// HTTP API as the holders would (bench/replay_submitter.h), then exports
// the registry from a node (`numledger export rir`) and compares it with
// NEW record by record (bench/replay_compare.h). The last line is
// `export equals NEW: yes` or `no`; exit 1 on no.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_testnet_net.h"
#include "bench/bench_usage.h"
#include "bench/replay_compare.h"
#include "bench/replay_submitter.h"
#include "ledger/transaction.h"

using namespace nl;
using namespace nl::bench;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const char* kUsage =
    "usage: bench_replay --old FILE --new FILE [--validators N] [--netns] [--latency MS]\n"
    "                    [--iana-ipv4 CSV --iana-ipv6 CSV] [--block-interval S] [--expect FILE]\n"
    "                    [--stall S] [--idle S] [--json]\n"
    "  Imports OLD (numledger import rir), starts a testnet of N real numledgerd validators on it (default\n"
    "  4 on 127.0.0.1; with --netns 7, each in its own network namespace, which needs root), turns OLD -> NEW\n"
    "  into transactions signed by each holder's key (numledger import diff), submits them through the nodes'\n"
    "  API, exports the registry (numledger export rir) and compares it with NEW record by record.\n"
    "  Prints transactions by kind, submit-to-commit p50/p90/p99/max, blocks, ledger bytes per transaction\n"
    "  and the changes no transaction can express; the last line is 'export equals NEW: yes' or 'no' (exit 1).\n"
    "  --latency MS     round trip between nodes, ms (each link delays half of it one way)\n"
    "  --block-interval numledgerd --block-interval, seconds (default: numledgerd's)\n"
    "  --expect FILE    compare the export with FILE instead of NEW (to check the comparison itself)\n"
    "  --stall S        give up when nothing commits for S seconds (default 300)\n"
    "  --idle S         afterwards, S seconds without transactions: disk bytes per empty block\n"
    "  --json           one JSON object on stdout; the verdict line goes to stderr\n";

struct Options {
  std::string old_file, new_file, iana_ipv4, iana_ipv6, expect, block_interval;
  unsigned validators = 0;  // 0: 4, or 7 with --netns
  bool netns = false, as_json = false;
  unsigned latency_ms = 0;
  double stall_s = 300;
  unsigned idle_s = 0;  // then this long without transactions: the cost of empty blocks
};

Options parse(int argc, char** argv) {
  handle_help(argc, argv, kUsage);
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--netns") { o.netns = true; continue; }
    if (a == "--json") { o.as_json = true; continue; }
    if (i + 1 >= argc) usage_error(("missing value after " + a).c_str(), kUsage);
    const char* v = argv[++i];
    if (a == "--old") o.old_file = v;
    else if (a == "--new") o.new_file = v;
    else if (a == "--iana-ipv4") o.iana_ipv4 = v;
    else if (a == "--iana-ipv6") o.iana_ipv6 = v;
    else if (a == "--expect") o.expect = v;
    else if (a == "--block-interval") o.block_interval = v;
    else if (a == "--validators") o.validators = static_cast<unsigned>(parse_count(v, kUsage));
    else if (a == "--latency") o.latency_ms = static_cast<unsigned>(parse_count(v, kUsage));
    else if (a == "--stall") o.stall_s = static_cast<double>(parse_count(v, kUsage));
    else if (a == "--idle") o.idle_s = static_cast<unsigned>(parse_count(v, kUsage));
    else usage_error(("unknown argument " + a).c_str(), kUsage);
  }
  if (o.old_file.empty() || o.new_file.empty()) usage_error("--old and --new are required", kUsage);
  if (o.iana_ipv4.empty() != o.iana_ipv6.empty()) usage_error("give --iana-ipv4 and --iana-ipv6 together", kUsage);
  if (o.validators == 0) o.validators = o.netns ? 7 : 4;
  for (const auto& f : {o.old_file, o.new_file, o.iana_ipv4, o.iana_ipv6, o.expect})
    if (!f.empty() && !fs::is_regular_file(f)) die(f + ": no such file");
  return o;
}

test::RunResult cli(std::vector<std::string> args) {
  args.insert(args.begin(), bin_dir() + "/numledger");
  return test::run(args, {"NUMLEDGERD=" + bin_dir() + "/numledgerd"});
}

std::vector<std::string> iana_args(const Options& o) {
  if (o.iana_ipv4.empty()) return {};
  return {"--iana-ipv4", o.iana_ipv4, "--iana-ipv6", o.iana_ipv6};
}

// The transaction files of `import diff`, in apply order.
std::vector<ReplayTx> read_txs(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir)) files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  std::vector<ReplayTx> out;
  for (const auto& f : files) {
    auto j = json::parse(test::slurp(f), nullptr, false);
    if (!j.is_object() || !j["tx"].is_string()) die(f + ": not a transaction file");
    auto bytes = from_hex(j["tx"].get<std::string>());
    if (!bytes) die(f + ": bad hex");
    auto tx = ledger::Transaction::decode(*bytes);
    if (!tx) die(f + ": " + tx.error());
    out.push_back({tx->id().hex(), j["tx"].get<std::string>(), std::string(ledger::tx_kind_name(ledger::body_kind(tx->body))),
                   tx->signer.to_string(), tx->nonce, bytes->size()});
  }
  return out;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(std::ceil(p * static_cast<double>(v.size())) - 1))];
}

json distribution(const std::vector<double>& v) {
  return {{"count", v.size()},
          {"p50_ms", percentile(v, 0.50)},
          {"p90_ms", percentile(v, 0.90)},
          {"p99_ms", percentile(v, 0.99)},
          {"max_ms", v.empty() ? 0.0 : *std::max_element(v.begin(), v.end())}};
}

// A node's disk: every file of its home but RocksDB's info logs (LOG,
// LOG.old.*), which grow with each start and hold no ledger.
uint64_t dir_bytes(const fs::path& p) {
  uint64_t n = 0;
  std::error_code ec;
  for (auto& e : fs::recursive_directory_iterator(p, ec)) {
    const std::string name = e.path().filename().string();
    if (name == "LOG" || name.rfind("LOG.old.", 0) == 0) continue;
    if (e.is_regular_file(ec)) n += e.file_size(ec);
  }
  return n;
}

// Days from YYYYMMDD a to b.
double days_between(const std::string& a, const std::string& b) {
  auto t = [](const std::string& d) {
    std::tm tm{};
    tm.tm_year = std::stoi(d.substr(0, 4)) - 1900;
    tm.tm_mon = std::stoi(d.substr(4, 2)) - 1;
    tm.tm_mday = std::stoi(d.substr(6, 2));
    return static_cast<double>(timegm(&tm));
  };
  if (a.size() != 8 || b.size() != 8) return 0;
  return (t(b) - t(a)) / 86400.0;
}

// Records of NEW that are new or changed since OLD, by their registration
// date within (OLD's date, NEW's date]: the busiest day of real change.
json change_days(const StatsFile& old, const StatsFile& now) {
  std::map<std::string, size_t> by_day;
  size_t changed = 0, removed = 0;
  for (const auto& [key, r] : now.records) {
    auto o = old.records.find(key);
    if (o != old.records.end() && o->second.f == r.f) continue;
    ++changed;
    if (r.f[5] > old.date && r.f[5] <= now.date) ++by_day[r.f[5]];
  }
  for (const auto& [key, r] : old.records) removed += !now.records.count(key);
  std::string busiest;
  size_t most = 0;
  for (const auto& [day, n] : by_day)
    if (n > most) most = n, busiest = day;
  const double days = days_between(old.date, now.date);
  return {{"old_date", old.date},
          {"new_date", now.date},
          {"days", days},
          {"records_new_or_changed", changed},
          {"records_removed", removed},
          {"record_changes_per_day", days > 0 ? static_cast<double>(changed + removed) / days : 0.0},
          {"days_with_new_records", by_day.size()},
          {"busiest_day", busiest},
          {"busiest_day_records", most}};
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  if (o.netns && ::geteuid() != 0) die("--netns creates network namespaces: run it as root");
  const auto t_start = Clock::now();
  test::TempDir work("nl-bench-replay");
  auto say = [&](const std::string& what) { std::fprintf(stderr, "replay: %6.1f s  %s\n", seconds_since(t_start), what.c_str()); };

  // 1. OLD into a genesis; its validator set is the testnet's (init replaces it).
  say("importing " + o.old_file);
  const std::string placeholder = ledger::AccountId{crypto::SecretKey::generate().public_key()}.to_string();
  std::vector<std::string> args = {"import", "rir", "--no-passphrase", o.old_file, "--chain-id", "replay",
                                   "--validator", placeholder, "--out", work / "old-genesis.json", "--keystore",
                                   work / "keystore", "--json"};
  for (const auto& a : iana_args(o)) args.push_back(a);
  auto r = cli(args);
  if (r.code != 0) die("import rir: " + r.err);
  const json imported = json::parse(r.out, nullptr, false);

  // 2. A testnet on it, the holders' keys with it.
  TestnetSpec spec;
  spec.validators = o.validators;
  spec.block_interval = o.block_interval;
  spec.genesis = work / "old-genesis.json";
  spec.keystore = work / "keystore";
  spec.netns = o.netns;
  if (o.latency_ms > 0) spec.latency = std::to_string(o.latency_ms / 2);
  say("testnet init: " + std::to_string(o.validators) + " validators" + (o.netns ? " in namespaces" : " on 127.0.0.1") +
      (o.latency_ms ? ", " + std::to_string(o.latency_ms) + " ms RTT" : ""));
  Testnet net(spec);
  // die() exits: the nodes must not outlive this process.
  static Testnet* live = nullptr;
  live = &net;
  std::atexit([] {
    if (live) live->stop();
  });

  // 3. The change as the holders' transactions, for this testnet's genesis.
  say("import diff " + o.old_file + " -> " + o.new_file);
  args = {"import", "diff", "--no-passphrase", o.old_file, o.new_file, "--keystore", net.dir() + "/holders/keystore",
          "--genesis", net.dir() + "/genesis.json", "--out", work / "txs", "--json"};
  for (const auto& a : iana_args(o)) args.push_back(a);
  r = cli(args);
  if (r.code != 0) die("import diff: " + r.err);
  const json diff = json::parse(r.out, nullptr, false);
  if (!diff.is_object()) die("import diff printed no JSON");
  const std::vector<ReplayTx> txs = read_txs(work / "txs");

  // 4. Start, submit, wait.
  say("starting " + std::to_string(net.names().size()) + " nodes");
  net.start({});
  // The disk a node takes for the imported registry, measured stopped (as
  // at the end), so that open RocksDB logs count on neither side.
  const std::string home0 = net.dir() + "/" + net.names().at(0) + "/data";
  net.wait_height(0, 1, 120);
  net.stop();
  const uint64_t disk_before = dir_bytes(home0);
  net.restart();
  const uint64_t h0 = net.height(0).value_or(0);
  SubmitFigures sub;
  uint64_t blocks = 0, loaded = 0, h1 = h0;
  {
    CommitWatcher watcher(net, h0);
    say("submitting " + std::to_string(txs.size()) + " transactions");
    SubmitOptions so;
    so.stall_s = o.stall_s;
    ReplaySubmitter submitter(net, o.validators, watcher, txs, so);
    sub = submitter.run();
    blocks = watcher.blocks();
    loaded = watcher.loaded_blocks().size();
    h1 = h0 + blocks;
  }
  // Every validator at the same height before the export.
  for (size_t i = 0; i < o.validators; ++i) net.wait_height(i, h1, 120);

  // 5. The registry as the network now holds it.
  const std::string registry = read_stats(o.old_file).registry;
  say("export rir --registry " + registry);
  r = cli({"export", "rir", "--registry", registry, "--node", net.url(0), "--out", work / "export.txt"});
  if (r.code != 0) die("export rir: " + r.err);
  net.stop();
  const uint64_t disk_after = dir_bytes(home0);
  // What time alone costs the ledger: empty blocks, --idle seconds of them.
  json idle = nullptr;
  if (o.idle_s > 0) {
    say("idle for " + std::to_string(o.idle_s) + " s");
    net.restart();
    const uint64_t from = net.height(0).value_or(0);
    std::this_thread::sleep_for(std::chrono::seconds(o.idle_s));
    const uint64_t to = net.height(0).value_or(0);
    net.stop();
    const uint64_t disk = dir_bytes(home0);
    const double empty = static_cast<double>(to - from);
    idle = {{"seconds", o.idle_s},
            {"blocks", to - from},
            {"disk_growth_bytes", static_cast<double>(disk) - static_cast<double>(disk_after)},
            {"bytes_per_empty_block", empty > 0 ? (static_cast<double>(disk) - static_cast<double>(disk_after)) / empty : 0.0},
            {"blocks_per_s", empty / o.idle_s}};
  }
  live = nullptr;

  // 6. Record by record.
  const StatsFile old_stats = read_stats(o.old_file), new_stats = read_stats(o.new_file),
                  want = o.expect.empty() ? new_stats : read_stats(o.expect), exported = read_stats(work / "export.txt");
  if (!old_stats.ok || !new_stats.ok || !want.ok || !exported.ok) die("a statistics file does not read back");
  const Comparison cmp =
      compare_export(exported, want, old_stats, o.old_file, o.new_file, diff.value("inexpressible", json::array()));

  std::map<std::string, size_t> by_kind, inexpressible;
  uint64_t tx_bytes = 0;
  for (const auto& t : txs) ++by_kind[t.kind], tx_bytes += t.bytes;
  for (const auto& e : diff["inexpressible"]) ++inexpressible[e.value("kind", "")];
  const json days = change_days(old_stats, new_stats);
  const double years = days["days"].get<double>() / 365.25;
  const double n = static_cast<double>(std::max<size_t>(1, txs.size()));
  const double disk_growth = static_cast<double>(disk_after) - static_cast<double>(disk_before);

  json j = {{"old", o.old_file},
            {"new", o.new_file},
            {"expect", o.expect.empty() ? o.new_file : o.expect},
            {"validators", o.validators},
            {"netns", o.netns},
            {"rtt_ms", o.latency_ms},
            {"block_interval_s", o.block_interval.empty() ? json(nullptr) : json(std::stod(o.block_interval))},
            {"genesis_holdings", imported.value("record_holdings", json(nullptr))},
            {"transactions", txs.size()},
            {"by_kind", by_kind},
            {"committed", sub.committed},
            {"gave_up", sub.gave_up},
            {"submit_to_commit", distribution(sub.submit_to_commit_ms)},
            {"first_try_to_commit", distribution(sub.first_try_to_commit_ms)},
            {"refused_attempts", sub.refusals},
            {"refusal_examples", sub.reasons},
            {"requests", sub.requests},
            {"resent_after_stall", sub.resent_after_stall},
            {"resent_after_drop", sub.resent_after_drop},
            {"seconds_submitting", sub.seconds},
            {"committed_tx_per_s", sub.seconds > 0 ? static_cast<double>(sub.committed) / sub.seconds : 0.0},
            {"blocks", blocks},
            {"blocks_with_txs", loaded},
            {"tx_bytes", tx_bytes},
            {"tx_bytes_per_tx", static_cast<double>(tx_bytes) / n},
            {"disk_bytes_before", disk_before},
            {"disk_bytes_after", disk_after},
            {"disk_growth_bytes_per_tx", disk_growth / n},
            {"change", days},
            {"tx_per_day", days["days"].get<double>() > 0 ? n / days["days"].get<double>() : 0.0},
            {"tx_bytes_per_year", years > 0 ? static_cast<double>(tx_bytes) / years : 0.0},
            {"disk_growth_bytes_per_year", years > 0 ? disk_growth / years : 0.0},
            {"idle", idle},
            {"inexpressible", inexpressible},
            {"excluded_from_comparison", cmp.excluded},
            {"compared", cmp.compared},
            {"equal", cmp.equal},
            {"missing", cmp.missing},
            {"extra", cmp.extra},
            {"differing", cmp.differing},
            {"differences", cmp.differences},
            {"export_equals_new", cmp.equal_all() && sub.gave_up.empty()},
            {"seconds_total", seconds_since(t_start)}};
  const bool yes = j["export_equals_new"].get<bool>();
  std::string verdict = std::string("export equals NEW: ") + (yes ? "yes" : "no");
  if (!yes)
    verdict += " (" + std::to_string(cmp.missing) + " missing, " + std::to_string(cmp.extra) + " extra, " +
               std::to_string(cmp.differing) + " differing of " + std::to_string(cmp.compared) + " compared" +
               (sub.gave_up.empty() ? "" : "; " + sub.gave_up) + ")";

  if (o.as_json) {
    std::printf("%s\n", j.dump(2).c_str());
    std::fprintf(stderr, "%s\n", verdict.c_str());
    return yes ? 0 : 1;
  }
  std::printf("replay %s -> %s: %u validators%s%s\n", o.old_file.c_str(), o.new_file.c_str(), o.validators,
              o.netns ? " in network namespaces" : " on 127.0.0.1",
              o.latency_ms ? (", " + std::to_string(o.latency_ms) + " ms RTT").c_str() : "");
  std::printf("\ntransactions by kind (%zu):\n", txs.size());
  for (const auto& [k, c] : by_kind) std::printf("  %-14s %8zu\n", k.c_str(), c);
  std::printf("\ncommitted %zu of %zu in %.1f s (%.0f tx/s), %zu requests; resent: %zu dropped by a node, %zu after a "
              "stall\n",
              sub.committed, txs.size(), sub.seconds, j["committed_tx_per_s"].get<double>(), sub.requests,
              sub.resent_after_drop, sub.resent_after_stall);
  std::printf("refused attempts, retried after the next block:");
  if (sub.refusals.empty()) std::printf(" none");
  for (const auto& [k, c] : sub.refusals) std::printf(" %s %zu", k.c_str(), c);
  for (const auto& [k, list] : sub.reasons)
    for (const auto& why : list) std::printf("\n  e.g. %s: %s", k.c_str(), why.c_str());
  std::printf("\n\n%-26s %8s %9s %9s %9s %9s\n", "latency, ms", "count", "p50", "p90", "p99", "max");
  for (const auto& [name, key] : {std::pair{"submit to commit", "submit_to_commit"},
                                  std::pair{"first try to commit", "first_try_to_commit"}}) {
    const json& d = j[key];
    std::printf("%-26s %8zu %9.0f %9.0f %9.0f %9.0f\n", name, d["count"].get<size_t>(), d["p50_ms"].get<double>(),
                d["p90_ms"].get<double>(), d["p99_ms"].get<double>(), d["max_ms"].get<double>());
  }
  std::printf("\nblocks: %llu (heights %llu-%llu), %llu carrying transactions\n", static_cast<unsigned long long>(blocks),
              static_cast<unsigned long long>(h0 + 1), static_cast<unsigned long long>(h1),
              static_cast<unsigned long long>(loaded));
  std::printf("ledger bytes per transaction: %.0f (canonical transaction), %.0f (validator0 disk growth, %llu -> %llu "
              "bytes)\n",
              j["tx_bytes_per_tx"].get<double>(), j["disk_growth_bytes_per_tx"].get<double>(),
              static_cast<unsigned long long>(disk_before), static_cast<unsigned long long>(disk_after));
  std::printf("change: %s -> %s, %.0f days; %zu records new or changed, %zu removed; %.2f record changes/day, %.2f "
              "tx/day; busiest day %s (%zu new or changed records)\n",
              days["old_date"].get<std::string>().c_str(), days["new_date"].get<std::string>().c_str(),
              days["days"].get<double>(), days["records_new_or_changed"].get<size_t>(),
              days["records_removed"].get<size_t>(), days["record_changes_per_day"].get<double>(),
              j["tx_per_day"].get<double>(), days["busiest_day"].get<std::string>().c_str(),
              days["busiest_day_records"].get<size_t>());
  if (!idle.is_null())
    std::printf("idle %u s: %llu empty blocks (%.1f/s), %.0f disk bytes per empty block\n", o.idle_s,
                static_cast<unsigned long long>(idle["blocks"].get<uint64_t>()), idle["blocks_per_s"].get<double>(),
                idle["bytes_per_empty_block"].get<double>());
  std::printf("ledger growth per year of this change: %.0f bytes of transactions, %.0f bytes of disk\n",
              j["tx_bytes_per_year"].get<double>(), j["disk_growth_bytes_per_year"].get<double>());
  std::printf("\nchanges no transaction expresses (import diff):");
  if (inexpressible.empty()) std::printf(" none");
  for (const auto& [k, c] : inexpressible) std::printf(" %s %zu", k.c_str(), c);
  std::printf("\nleft out of the comparison:");
  if (cmp.excluded.empty()) std::printf(" nothing");
  for (const auto& [k, c] : cmp.excluded) std::printf(" %s %zu", k.c_str(), c);
  std::printf("\ncompared %zu records of %s: %zu equal, %zu missing, %zu extra, %zu differing\n", cmp.compared,
              j["expect"].get<std::string>().c_str(), cmp.equal, cmp.missing, cmp.extra, cmp.differing);
  for (const auto& d : cmp.differences) std::printf("  %s\n", d.c_str());
  std::printf("%s\n", verdict.c_str());
  return yes ? 0 : 1;
}
