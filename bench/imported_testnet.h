// bench_testnet on an imported genesis (--genesis/--keystore or --scale).
// Each repeat: a fresh 4-validator testnet on it (`numledger testnet init
// --genesis --keystore`), its first start timed, then the holders' own
// transactions (bench/holder_load.h) through POST /api/v1/txs
// (bench/batch_submit.h): at saturation, then paced at half the rate
// saturation committed. Measures committed tx/s, submit -> commit latency
// and every validator's RSS after the start and after the load. The
// report gives each repeat and the medians.
// Header-only, like bench_testnet_net.h.
#pragma once
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "bench/batch_submit.h"
#include "bench/bench_testnet_net.h"
#include "bench/holder_load.h"
#include "bench/percentile.h"

namespace nl::bench {

struct ImportedLoadOptions {
  std::string genesis, keystore;  // import rir --out, --keystore
  size_t txs = 20000;             // at saturation
  size_t accounts = 1000;         // holders signing
  size_t batch = 500;             // transactions per POST /api/v1/txs
  double paced_seconds = 10;
  std::string block_interval = "1";
  uint64_t seed = 1;
};

// What one load phase measured.
struct PhaseFigures {
  size_t signed_txs = 0, accepted = 0, committed = 0, rejected = 0, busy_resent = 0, requests = 0;
  double tx_per_s = 0;            // committed over first request to last commit
  double sustained_tx_per_s = 0;  // first to last loaded block (CommitWatcher)
  double submit_per_s = 0;        // accepted over the submitting time
  double p50_s = 0, p99_s = 0;    // accepted request's start -> commit seen on validator0
  double tx_per_block = 0;
  std::string first_rejection;
};

struct ImportedRepeat {
  double start_s = 0;  // the validators started one by one, until every one has committed height 1
  PhaseFigures saturation, paced;
  double paced_offered = 0;
  std::vector<double> rss_started_mib, rss_loaded_mib;  // per validator
  std::map<std::string, size_t> by_kind;                // transactions signed, by kind
  size_t holders = 0;
};

// Signs `n` transactions, submits them (at `per_second`, 0: as fast as
// taken) and waits for their commits.
inline PhaseFigures run_phase(const Testnet& net, HolderLoad& load, size_t n, size_t batch, double per_second) {
  PhaseFigures f;
  const auto work = load.sign(n);
  f.signed_txs = n;
  CommitWatcher w(net, net.height(0).value_or(0));
  const BatchOutcome o = submit_in_batches(net, 4, work, batch, per_second);
  w.wait_for(o.accepted, 60);
  f.accepted = o.accepted;
  f.rejected = o.rejected;
  f.busy_resent = o.busy_resent;
  f.requests = o.requests;
  f.first_rejection = o.first_rejection;
  std::vector<double> latency;
  double last_commit_s = 0;
  for (size_t k = 0; k < work.size(); ++k)
    for (size_t j = 0; j < work[k].size(); ++j) {
      auto c = w.committed(work[k][j].id);
      if (!c) continue;
      ++f.committed;
      last_commit_s = std::max(last_commit_s, std::chrono::duration<double>(*c - o.t0).count());
      if (o.accepted_at[k][j] != Clock::time_point::max())
        latency.push_back(std::chrono::duration<double>(*c - o.accepted_at[k][j]).count());
    }
  if (last_commit_s > 0) f.tx_per_s = static_cast<double>(f.committed) / last_commit_s;
  f.sustained_tx_per_s = w.sustained_tx_per_s();
  f.submit_per_s = static_cast<double>(o.accepted) / std::chrono::duration<double>(o.t_end - o.t0).count();
  f.p50_s = percentile(latency, 0.5);
  f.p99_s = percentile(latency, 0.99);
  const auto loaded = w.loaded_blocks();
  f.tx_per_block = loaded.empty() ? 0 : static_cast<double>(f.committed) / static_cast<double>(loaded.size());
  return f;
}

inline ImportedRepeat run_imported_repeat(const ImportedLoadOptions& opt) {
  ImportedRepeat rep;
  TestnetSpec spec;
  spec.block_interval = opt.block_interval;
  spec.genesis = opt.genesis;
  spec.keystore = opt.keystore;
  spec.start_timeout_s = 900;
  Testnet net(spec);
  // die() exits: the nodes must not outlive this process.
  static Testnet* live = nullptr;
  static bool registered = false;
  live = &net;
  if (!registered) {
    registered = true;
    std::atexit([] {
      if (live) live->stop();
    });
  }
  const auto t0 = Clock::now();
  // One at a time: a first start on the full-size state peaks at about
  // 4 GiB while it writes the tree, and four at once (17 GiB) met the OOM
  // killer on a shared 24 GiB machine; each settles near 3 GiB once up.
  for (const auto& name : net.names()) net.start({name});
  for (size_t i = 0; i < 4; ++i) net.wait_height(i, 1, 900);
  rep.start_s = seconds_since(t0);
  for (size_t i = 0; i < 4; ++i) rep.rss_started_mib.push_back(net.rss_mib(net.names()[i]));

  HolderLoad load(net.dir() + "/genesis.json", net.genesis_hash(), net.dir() + "/holders/keystore", opt.accounts,
                  opt.seed);
  load.read_nonces(net.url(0));
  rep.holders = load.holders();
  // The node keeps at most 256 waiting transactions per account.
  auto per_holder = [&](size_t n) { return (n + load.holders() - 1) / load.holders(); };
  if (per_holder(opt.txs) > 200)
    die(std::to_string(opt.txs) + " transactions over " + std::to_string(load.holders()) +
        " holders is more than 200 each; fewer --txs or more --accounts");

  rep.saturation = run_phase(net, load, opt.txs, opt.batch, 0);
  // Half of what saturation committed per second: a load the testnet can
  // carry, so the latency is not queueing.
  rep.paced_offered = std::max(10.0, 0.5 * rep.saturation.tx_per_s);
  const size_t paced_n = std::min(load.holders() * 200, std::max<size_t>(4, static_cast<size_t>(rep.paced_offered * opt.paced_seconds)));
  // About ten requests per second per node.
  const size_t paced_batch = std::clamp<size_t>(static_cast<size_t>(rep.paced_offered / 40), 1, opt.batch);
  rep.paced = run_phase(net, load, paced_n, paced_batch, rep.paced_offered);
  for (size_t i = 0; i < 4; ++i) rep.rss_loaded_mib.push_back(net.rss_mib(net.names()[i]));
  rep.by_kind = load.signed_by_kind();
  net.stop();
  live = nullptr;
  return rep;
}

inline std::string mib_list(const std::vector<double>& v) {
  std::string out;
  for (double x : v) out += (out.empty() ? "" : " / ") + std::to_string(static_cast<long>(x + 0.5));
  return out;
}

inline void print_phase(const char* name, const PhaseFigures& f) {
  std::printf("  %s: committed %zu of %zu signed (rejected %zu, busy and sent again %zu, %zu requests), %.0f tx/s "
              "overall, sustained %.0f, submitted %.0f/s; p50 %.3f s p99 %.3f s; %.1f tx/block\n",
              name, f.committed, f.signed_txs, f.rejected, f.busy_resent, f.requests, f.tx_per_s, f.sustained_tx_per_s,
              f.submit_per_s, f.p50_s, f.p99_s, f.tx_per_block);
  if (!f.first_rejection.empty()) std::printf("    first rejection: %s\n", f.first_rejection.c_str());
}

// Runs `repeats` repeats and prints them and their medians; exit status 1
// when any signed transaction did not commit.
inline int run_imported(const ImportedLoadOptions& opt, size_t repeats) {
  std::vector<ImportedRepeat> all;
  bool all_committed = true;
  for (size_t r = 0; r < repeats; ++r) {
    ImportedRepeat rep = run_imported_repeat(opt);
    if (r == 0) {
      std::printf("load: %zu holders with keys, ", rep.holders);
      for (const auto& [kind, n] : rep.by_kind) std::printf("%s %zu ", kind.c_str(), n);
      std::printf("(signed in repeat 1)\n");
    }
    std::printf("repeat %zu: first start %.1f s (one by one, until every validator is at height 1); RSS per validator %s MiB after the "
                "start, %s MiB after the load\n",
                r + 1, rep.start_s, mib_list(rep.rss_started_mib).c_str(), mib_list(rep.rss_loaded_mib).c_str());
    print_phase("saturation", rep.saturation);
    char paced[64];
    std::snprintf(paced, sizeof paced, "paced at %.0f/s", rep.paced_offered);
    print_phase(paced, rep.paced);
    std::fflush(stdout);
    for (const PhaseFigures* f : {&rep.saturation, &rep.paced})
      all_committed = all_committed && f->committed == f->signed_txs;
    all.push_back(std::move(rep));
  }
  auto med = [&](auto get) {
    std::vector<double> v;
    for (const auto& r : all) v.push_back(get(r));
    return median(v);
  };
  std::vector<double> rss_started(4), rss_loaded(4);
  for (size_t i = 0; i < 4; ++i) {
    rss_started[i] = med([i](const ImportedRepeat& r) { return r.rss_started_mib[i]; });
    rss_loaded[i] = med([i](const ImportedRepeat& r) { return r.rss_loaded_mib[i]; });
  }
  std::printf("\nmedians over %zu repeat(s):\n", all.size());
  std::printf("  sustained committed tx/s          %8.0f   (first to last loaded block; first submit to last commit: "
              "%.0f; submitted %.0f/s)\n",
              med([](const ImportedRepeat& r) { return r.saturation.sustained_tx_per_s; }),
              med([](const ImportedRepeat& r) { return r.saturation.tx_per_s; }),
              med([](const ImportedRepeat& r) { return r.saturation.submit_per_s; }));
  std::printf("  submit->commit at saturation      p50 %.3f s   p99 %.3f s\n",
              med([](const ImportedRepeat& r) { return r.saturation.p50_s; }),
              med([](const ImportedRepeat& r) { return r.saturation.p99_s; }));
  std::printf("  submit->commit paced at %5.0f/s   p50 %.3f s   p99 %.3f s   (committed %.0f tx/s)\n",
              med([](const ImportedRepeat& r) { return r.paced_offered; }),
              med([](const ImportedRepeat& r) { return r.paced.p50_s; }),
              med([](const ImportedRepeat& r) { return r.paced.p99_s; }),
              med([](const ImportedRepeat& r) { return r.paced.tx_per_s; }));
  std::printf("  transactions per block at saturation %5.1f\n",
              med([](const ImportedRepeat& r) { return r.saturation.tx_per_block; }));
  std::printf("  first start (one by one, until every validator is at height 1) %.1f s\n", med([](const ImportedRepeat& r) { return r.start_s; }));
  std::printf("  RSS per validator                 %s MiB after the start, %s MiB after the load\n",
              mib_list(rss_started).c_str(), mib_list(rss_loaded).c_str());
  std::printf("committed every signed transaction: %s\n", all_committed ? "yes" : "no");
  return all_committed ? 0 : 1;
}

}  // namespace nl::bench
