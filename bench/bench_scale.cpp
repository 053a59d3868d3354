// bench_scale: the registry at the whole world's size. For each scale it
// generates the five RIRs' files and the VRPs (gen_registry_data's code),
// imports them with the real `numledger import rir --vrps`, starts a real
// numledgerd on the genesis, and measures: import wall time and peak RSS,
// the genesis size, the first start and a restart until the API answers,
// the running node's RSS, query and RDAP latencies (p50, p99) and the
// disk per entry. Results go to stdout as a table and, with --json, as
// one JSON object per scale.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_usage.h"
#include "bench/generated_import.h"
#include "ledger/interop/rir_stats.h"
#include "node/client/http_client.h"
#include "tests/support/process.h"

namespace {

using namespace nl;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr const char* kUsage =
    "usage: bench_scale [--scales 0.1,0.5,1] [--seed S] [--queries N] [--json-genesis] [--no-state-sync]\n"
    "                   [--data DIR] [--json]\n"
    "  Generates full-size registry data (scale 1: about 500,000 records and 800,000 VRPs), imports it,\n"
    "  starts and restarts a numledgerd on it, and measures import, start, RSS, query p99 and disk; then\n"
    "  a new observer joins it by state sync (numledgerd --state-sync) unless --no-state-sync.\n"
    "  The genesis is written --compact unless --json-genesis. Needs IANA's CSVs in --data DIR (default\n"
    "  ../shared/data next to the source tree), and about 1 GB of /tmp and 2 GB of RAM at scale 1.\n";

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "bench_scale: %s\n", why.c_str());
  std::exit(1);
}

std::string bin_dir() { return std::filesystem::read_symlink("/proc/self/exe").parent_path().string(); }
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

uint64_t rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6));
  return 0;
}

uint64_t dir_bytes(const std::filesystem::path& p) {
  uint64_t n = 0;
  std::error_code ec;
  for (auto& e : std::filesystem::recursive_directory_iterator(p, ec))
    if (e.is_regular_file(ec)) n += e.file_size(ec);
  return n;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, size_t(p * double(v.size())))];
}

// Starts numledgerd; the seconds until /api/v1/status answers 200.
double start_node(test::Daemon& d, const std::vector<std::string>& argv, const std::string& log, const std::string& url) {
  const auto t = Clock::now();
  d.start(argv, log);
  for (;;) {
    auto r = node::http_request(url, "GET", "/api/v1/status", "", std::chrono::seconds(2));
    if (r.ok() && r->status == 200) return since(t);
    if (since(t) > 600) die("numledgerd did not answer within 600 s; see " + log);
    if (!d.running()) die("numledgerd exited; see " + log);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

json run_scale(double scale, uint64_t seed, size_t queries, bool compact, bool state_sync, const std::string& data) {
  test::TempDir dir("nl-bench-scale");
  json out{{"scale", scale}, {"seed", seed}, {"genesis_form", compact ? "compact" : "json"}};
  // 1. Data, and 2. its import through the real CLI.
  const std::string cli = bin_dir() + "/numledger", daemon = bin_dir() + "/numledgerd";
  auto key = test::run({cli, "key", "new", "--out", dir / "validator.key", "--no-passphrase"});
  if (key.code != 0) die("key new: " + key.err);
  const std::string validator = key.out.substr(0, key.out.find('\n'));
  auto imported = bench::import_generated(scale, seed, data, dir.path, cli, validator, compact);
  if (!imported) die(imported.error());
  const std::string genesis = imported->genesis;
  out["generate_s"] = imported->generate_s;
  out["records"] = imported->records;
  out["vrps"] = imported->vrps;
  out["import_s"] = imported->import_s;
  const json& report = imported->report;
  out["import_peak_rss_mib"] = report["peak_rss_kib"].get<uint64_t>() / 1024.0;
  out["holdings"] = report.value("holdings", uint64_t{0});
  out["authorizations"] = report.value("authorizations", uint64_t{0});
  out["genesis_mib"] = double(std::filesystem::file_size(genesis)) / (1 << 20);

  // 3. First start and restart, until the API answers; RSS once up.
  const int port = test::free_port();
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  const std::vector<std::string> node_argv{daemon, "--home", dir / "home", "--genesis", genesis,
                                           "--validator-key", dir / "validator.key", "--listen",
                                           "127.0.0.1:" + std::to_string(port), "--block-interval", "1"};
  test::Daemon d;
  out["first_start_s"] = start_node(d, node_argv, dir / "node.log", url);
  std::this_thread::sleep_for(std::chrono::seconds(3));
  out["rss_first_mib"] = double(rss_kib(d.pid())) / 1024;

  // 4. Queries on the running node: the resource API and RDAP, for records
  // drawn from the generated files.
  std::vector<ledger::Resource> sample;
  std::mt19937_64 rng(seed);
  for (const auto& f : imported->files)
    (void)ledger::read_rir_stats(f, [&](ledger::RirRecord&& r) {
      if (r.range.family != ledger::Family::asn && r.range.prefix_length() &&
          (r.status == ledger::RirStatus::allocated || r.status == ledger::RirStatus::assigned) && rng() % 50 == 0)
        sample.push_back(r.range);
    });
  std::shuffle(sample.begin(), sample.end(), rng);
  if (sample.size() > queries) sample.resize(queries);
  node::HttpClient client(url);
  std::vector<double> api_ms, rdap_ms;
  for (const auto& r : sample) {
    for (auto [target, into] : {std::pair{"/api/v1/resource/" + r.to_string(), &api_ms},
                                std::pair{"/rdap/ip/" + r.to_string(), &rdap_ms}}) {
      const auto q = Clock::now();
      auto a = client.request("GET", target, "");
      if (!a.ok() || a->status != 200) die(target + ": " + (a.ok() ? a->body.substr(0, 200) : a.error()));
      into->push_back(since(q) * 1000);
    }
  }
  out["queries"] = sample.size();
  out["api_p50_ms"] = percentile(api_ms, 0.5);
  out["api_p99_ms"] = percentile(api_ms, 0.99);
  out["rdap_p50_ms"] = percentile(rdap_ms, 0.5);
  out["rdap_p99_ms"] = percentile(rdap_ms, 0.99);

  d.kill(SIGTERM);
  out["restart_s"] = start_node(d, node_argv, dir / "node.log", url);
  std::this_thread::sleep_for(std::chrono::seconds(3));
  out["rss_restart_mib"] = double(rss_kib(d.pid())) / 1024;
  // 5. A new observer by state sync: a fresh home, the validator its only
  // peer; the seconds from its start until its API answers (the snapshot
  // fetched, verified and written), then until it has followed a new block.
  if (state_sync) {
    const int oport = test::free_port();
    const std::string ourl = "http://127.0.0.1:" + std::to_string(oport);
    test::Daemon observer;
    const auto t = Clock::now();
    out["state_sync_s"] = start_node(observer,
                                     {daemon, "--home", dir / "observer", "--genesis", genesis, "--listen",
                                      "127.0.0.1:" + std::to_string(oport), "--peer", "127.0.0.1:" + std::to_string(port),
                                      "--state-sync"},
                                     dir / "observer.log", ourl);
    auto height_of = [](const std::string& u) -> uint64_t {
      auto r = node::http_request(u, "GET", "/api/v1/status", "", std::chrono::seconds(2));
      if (!r.ok() || r->status != 200) return 0;
      return json::parse(r->body).value("height", uint64_t{0});
    };
    const uint64_t joined = height_of(ourl);
    while (height_of(ourl) <= joined) {
      if (since(t) > 600) die("the state-synced observer follows no block; see " + dir / "observer.log");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    out["state_sync_following_s"] = since(t);
    // The node's own account of the fetch, for where the time went.
    std::istringstream observer_log(test::slurp(dir / "observer.log"));
    for (std::string line; std::getline(observer_log, line);)
      if (line.find("state sync: ") != std::string::npos) out["state_sync_log"].push_back(line);
    out["state_sync_rss_mib"] = double(rss_kib(observer.pid())) / 1024;
    observer.kill(SIGTERM);
  }
  d.kill(SIGTERM);
  const uint64_t entries = out["holdings"].get<uint64_t>() + out["authorizations"].get<uint64_t>();
  out["disk_mib"] = double(dir_bytes(dir.path / "home")) / (1 << 20);
  out["disk_bytes_per_entry"] = entries ? double(dir_bytes(dir.path / "home")) / double(entries) : 0;
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  bench::handle_help(argc, argv, kUsage);
  std::vector<double> scales{0.1, 0.5, 1.0};
  uint64_t seed = 1;
  size_t queries = 2000;
  bool as_json = false, compact = true, state_sync = true;
  std::string data = std::string(NL_SOURCE_DIR) + "/../shared/data";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--scales" && i + 1 < argc) {
      scales.clear();
      std::stringstream ss(argv[++i]);
      for (std::string part; std::getline(ss, part, ',');) scales.push_back(std::stod(part));
    } else if (a == "--seed" && i + 1 < argc) {
      seed = bench::parse_count(argv[++i], kUsage);
    } else if (a == "--queries" && i + 1 < argc) {
      queries = bench::parse_count(argv[++i], kUsage);
    } else if (a == "--json-genesis") {
      compact = false;
    } else if (a == "--data" && i + 1 < argc) {
      data = argv[++i];
    } else if (a == "--no-state-sync") {
      state_sync = false;
    } else if (a == "--json") {
      as_json = true;
    } else {
      bench::usage_error(("unknown argument " + a).c_str(), kUsage);
    }
  }
  std::printf("%6s %8s %7s %9s %9s %9s %8s %9s %8s %9s %8s %9s %9s %8s\n", "scale", "records", "vrps", "import_s",
              "imp_MiB", "gen_MiB", "start_s", "restart_s", "rss_MiB", "api_p99", "rdap_p99", "disk_MiB", "B/entry",
              "gen_s");
  for (double s : scales) {
    json r = run_scale(s, seed, queries, compact, state_sync, data);
    if (as_json) {
      std::printf("%s\n", r.dump().c_str());
    } else {
      std::printf("%6.2f %8llu %7llu %9.1f %9.0f %9.1f %8.1f %9.1f %8.0f %9.2f %8.2f %9.0f %9.0f %8.1f\n", s,
                  (unsigned long long)r["records"].get<uint64_t>(), (unsigned long long)r["vrps"].get<uint64_t>(),
                  r["import_s"].get<double>(), r["import_peak_rss_mib"].get<double>(), r["genesis_mib"].get<double>(),
                  r["first_start_s"].get<double>(), r["restart_s"].get<double>(), r["rss_restart_mib"].get<double>(),
                  r["api_p99_ms"].get<double>(), r["rdap_p99_ms"].get<double>(), r["disk_mib"].get<double>(),
                  r["disk_bytes_per_entry"].get<double>(), r["generate_s"].get<double>());
      if (r.contains("state_sync_s"))
        std::printf("       state sync: API up after %.1f s, following blocks after %.1f s, %.0f MiB RSS\n",
                    r["state_sync_s"].get<double>(), r["state_sync_following_s"].get<double>(),
                    r["state_sync_rss_mib"].get<double>());
      if (r.contains("state_sync_log"))
        for (const auto& line : r["state_sync_log"]) std::printf("       %s\n", line.get<std::string>().c_str());
    }
    std::fflush(stdout);
  }
  return 0;
}
