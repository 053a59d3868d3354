// Block sync in one process (not a test): a source chain of B certified
// blocks of T delegations each, served in answers as a peer serves them
// (serve_blocks), applied to a fresh chain as numledgerd's sync does, in
// two ways taken in turn on the same load:
//   - checked first: every signature of an answer on both cores, then the
//     blocks applied on one (verify_synced_signatures, apply_synced_blocks);
//   - pipelined: the signatures checked on a helper thread while the
//     blocks are applied, each block waiting for its own (SyncedSignatures).
// Prints tx/s (wall), the CPU seconds the process used and those of the
// applying thread, per repeat and their medians. On a loaded machine the
// wall figure follows the load; the applying thread's CPU, the critical
// path when the other core is free, does much less. Without the network, process start and peer handshakes
// of bench_testnet's observer sync: the node's own part of it.
// Run: build/bench_block_sync [--blocks B] [--txs-per-block T] [--repeats R] [--threads N]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "bench/bench_usage.h"
#include "bench/percentile.h"
#include "ledger/chain.h"
#include "node/driver/block_sync.h"
#include "node/driver/state_release.h"
#include "tests/support/fixtures.h"
#include "tests/support/process.h"

using namespace nl;

namespace {

constexpr const char* kUsage =
    "usage: bench_block_sync [--blocks B] [--txs-per-block T] [--repeats R] [--threads N]\n"
    "  B certified blocks (default 100) of T delegations (default 400) synced into a fresh chain R times\n"
    "  (default 5) each way: signatures checked first on N threads (default 2) then applied, and checked\n"
    "  on helper threads while applied. Prints tx/s and CPU seconds, per repeat and medians.\n";

// CPU seconds of the process, or of the calling thread alone.
double cpu_seconds(int who = RUSAGE_SELF) {
  rusage u{};
  getrusage(who, &u);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

std::unique_ptr<ledger::Chain> open_chain(const std::string& dir) {
  ledger::ChainOptions options;
  node::StateRelease::install(options);  // as numledgerd does
  auto c = ledger::Chain::open(dir, test::test_genesis(4), options);
  if (!c) {
    std::fprintf(stderr, "bench_block_sync: %s\n", c.error().c_str());
    std::exit(1);
  }
  return std::move(*c);
}

// The source's blocks as a peer serves them, one answer after another.
std::vector<node::p2p::Blocks> make_answers(const std::string& dir, size_t blocks, size_t per_block) {
  auto source = open_chain(dir);
  uint64_t nonce = 0;
  for (size_t b = 0; b < blocks; ++b) {
    std::vector<ledger::Transaction> txs;
    for (size_t i = 0; i < per_block; ++i, ++nonce) {
      // Account 1 holds 10.0.0.0/8: one /24 of it each.
      const std::string range = "10." + std::to_string(nonce / 256) + "." + std::to_string(nonce % 256) + ".0/24";
      txs.push_back(test::delegate(range.c_str(), 1, 2, nonce + 1));
    }
    auto p = source->propose(txs, 1700000100 + b, test::seeded_pub(100), ledger::SignatureCheck::already_verified);
    if (!p.rejected.empty() || !source->commit(p, test::certify(p.block, {100, 101, 102})).ok()) {
      std::fprintf(stderr, "bench_block_sync: cannot build block %zu\n", b + 1);
      std::exit(1);
    }
  }
  std::vector<node::p2p::Blocks> answers;
  for (uint64_t from = 1; from <= blocks;) {
    answers.push_back(node::serve_blocks(source->store(), {from, node::p2p::kMaxBlocksPerRequest}));
    from += answers.back().blocks.size();
  }
  return answers;
}

struct Run {
  double wall = 0, cpu = 0, caller_cpu = 0;
};

Run sync_once(const std::string& dir, const std::vector<node::p2p::Blocks>& answers, size_t threads,
              bool pipelined) {
  auto chain = open_chain(dir);
  const node::Mempool mempool;
  const double cpu0 = cpu_seconds(), caller0 = cpu_seconds(RUSAGE_THREAD);
  const auto t0 = std::chrono::steady_clock::now();
  for (const auto& a : answers) {
    node::SyncApplied r;
    if (pipelined) {
      node::SyncedSignatures sigs(mempool, a.blocks, threads, chain->height());
      sigs.block(0);
      r = node::apply_synced_blocks(*chain, a.blocks, sigs);
    } else {
      r = node::apply_synced_blocks(*chain, a.blocks,
                                    node::verify_synced_signatures(mempool, a.blocks, threads, chain->height()));
    }
    if (!r.error.empty() || !r.not_durable.empty()) {
      std::fprintf(stderr, "bench_block_sync: %s%s\n", r.error.c_str(), r.not_durable.c_str());
      std::exit(1);
    }
  }
  Run out;
  out.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  out.cpu = cpu_seconds() - cpu0;
  out.caller_cpu = cpu_seconds(RUSAGE_THREAD) - caller0;
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  bench::handle_help(argc, argv, kUsage);
  size_t blocks = 100, per_block = 400, repeats = 5, threads = 2;
  if (argc % 2 == 0) bench::usage_error("every flag takes a value", kUsage);
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const size_t v = bench::parse_count(argv[i + 1], kUsage);
    if (flag == "--blocks") blocks = v;
    else if (flag == "--txs-per-block") per_block = v;
    else if (flag == "--repeats") repeats = v;
    else if (flag == "--threads") threads = v;
    else bench::usage_error(("unknown flag " + flag).c_str(), kUsage);
  }
  if (blocks < 1 || per_block < 1 || repeats < 1 || blocks * per_block > 65536)
    bench::usage_error("need B, T, R >= 1 and B * T <= 65536 (the /24s of 10.0.0.0/8)", kUsage);
  crypto::init();
  test::TempDir work("nl-bench-block-sync");
  const auto answers = make_answers(work.path / "source", blocks, per_block);
  const double txs = static_cast<double>(blocks * per_block);
  std::printf("%zu blocks of %zu delegations in %zu answers, %zu threads\n", blocks, per_block, answers.size(), threads);
  std::vector<double> tps[2], cpu[2], caller[2];
  const char* names[2] = {"checked first", "pipelined"};
  for (size_t r = 0; r < repeats; ++r)
    for (int m = 0; m < 2; ++m) {
      const Run run = sync_once(work.path / ("follower-" + std::to_string(r) + "-" + std::to_string(m)), answers,
                                threads, m == 1);
      tps[m].push_back(txs / run.wall);
      cpu[m].push_back(run.cpu);
      caller[m].push_back(run.caller_cpu);
      std::printf("repeat %zu %-13s %8.0f tx/s  %.2f s wall  %.2f s CPU (%.2f s on the applying thread)\n", r + 1,
                  names[m], txs / run.wall, run.wall, run.cpu, run.caller_cpu);
      std::fflush(stdout);
    }
  for (int m = 0; m < 2; ++m)
    std::printf("median %-13s %8.0f tx/s  %.2f s CPU (%.2f s on the applying thread: %.0f tx/s if it never waited)\n",
                names[m], bench::median(tps[m]), bench::median(cpu[m]), bench::median(caller[m]),
                txs / bench::median(caller[m]));
  return 0;
}
