// Consensus simulator benchmark (not a test). For N = 4, 7, 16, 31 and 100
// validators, no faults and no Byzantine nodes, prints:
//  - decided heights per second of wall-clock time (median of 5 runs, 3 for
//    N = 100), simulation only; the safety check after it is timed apart
//  - consensus messages per height, one per recipient, and their ratio to
//    N^2 (all-to-all prevotes and precommits make it about 2), and how many
//    of them were periodic re-gossip (none while heights keep moving)
//  - mean rounds per height, simulated milliseconds per height, and the
//    time the safety checker takes afterwards (it verifies every distinct
//    commit certificate with the real Ed25519 check)
// Signature checks are memoised across the simulated nodes (verify_cache.h);
// the last rows repeat N = 4 and 16 with every receiver verifying itself.
// Run: build/bench_consensus [--quick]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>

#include "bench/bench_usage.h"
#include "consensus/sim/simulation.h"
#include "crypto/ed25519.h"

using namespace nl::consensus::sim;
using Clock = std::chrono::steady_clock;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct Row {
  double heights_per_s = 0;
  double check_ms = 0;
  double msgs_per_height = 0;
  double regossip_per_height = 0;
  double rounds = 0;
  double sim_ms_per_height = 0;
  bool ok = true;
};

Row measure(size_t n, uint64_t heights, bool memoize, int reps) {
  std::vector<double> rates, checks;
  Row row;
  for (int rep = 0; rep < reps; ++rep) {
    SimConfig cfg;
    cfg.validators = n;
    cfg.heights = heights;
    cfg.seed = 1000 + rep;
    cfg.memoize_verify = memoize;
    Simulation sim(cfg);
    auto t0 = Clock::now();
    sim.run();
    auto t1 = Clock::now();
    SimResult r = sim.result();
    auto t2 = Clock::now();
    rates.push_back(static_cast<double>(heights) / std::chrono::duration<double>(t1 - t0).count());
    checks.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
    row.msgs_per_height = r.messages_per_height;
    row.regossip_per_height = static_cast<double>(r.regossip_messages) / static_cast<double>(heights);
    row.rounds = r.mean_rounds_per_height;
    row.sim_ms_per_height = static_cast<double>(r.sim_time_ms) / static_cast<double>(heights);
    if (!r.safe() || !r.all_decided) {
      row.ok = false;
      std::fprintf(stderr, "N=%zu seed=%llu: %s%s\n", n, static_cast<unsigned long long>(cfg.seed),
                   r.all_decided ? "" : "not all heights decided; ", r.first_problem.c_str());
    }
  }
  row.heights_per_s = median(rates);
  row.check_ms = median(checks);
  return row;
}

void print(size_t n, uint64_t heights, bool memoize, const Row& r) {
  const double n2 = static_cast<double>(n * n);
  std::printf("%4zu %7llu  %-9s %10.1f %12.1f %9.2f %9.1f %7.2f %8.0f %9.0f%s\n", n,
              static_cast<unsigned long long>(heights), memoize ? "memoised" : "real", r.heights_per_s,
              r.msgs_per_height, r.msgs_per_height / n2, r.regossip_per_height, r.rounds, r.sim_ms_per_height,
              r.check_ms, r.ok ? "" : "  FAILED");
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  nl::crypto::init();
  constexpr const char* kUsage =
      "usage: bench_consensus [--quick]\n"
      "  Simulated consensus for N = 4, 7, 16, 31 and 100 validators with no faults: heights/s, messages per\n"
      "  height, rounds. --quick runs each size once instead of 5 times.\n";
  nl::bench::handle_help(argc, argv, kUsage);
  if (argc > 2 || (argc == 2 && std::strcmp(argv[1], "--quick") != 0)) nl::bench::usage_error("unknown argument", kUsage);
  const bool quick = argc > 1;
  std::printf("numledger consensus simulator benchmark: no faults, F = 0, delays 5-50 ms\n");
  std::printf("(wall-clock heights/s: median of %s runs, simulation only; check = the safety checker afterwards)\n",
              quick ? "1" : "5 (3 for N = 100)");
  std::printf("%4s %7s  %-9s %10s %12s %9s %9s %7s %8s %9s\n", "N", "heights", "verify", "heights/s",
              "msgs/height", "msgs/N^2", "re-gossip", "rounds", "sim ms/h", "check ms");
  bool ok = true;
  struct Case {
    size_t n;
    uint64_t heights;
  };
  for (Case c : {Case{4, 20}, Case{7, 20}, Case{16, 20}, Case{31, 20}, Case{100, 5}}) {
    Row r = measure(c.n, c.heights, true, quick ? 1 : (c.n >= 100 ? 3 : 5));
    ok = ok && r.ok;
    print(c.n, c.heights, true, r);
  }
  for (Case c : {Case{4, 20}, Case{16, 20}}) {
    Row r = measure(c.n, c.heights, false, quick ? 1 : 5);
    ok = ok && r.ok;
    print(c.n, c.heights, false, r);
  }
  return ok ? 0 : 1;
}
