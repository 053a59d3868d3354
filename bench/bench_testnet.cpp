// A 4-validator numledgerd testnet on 127.0.0.1 under load (not a test):
// real processes made and run with `numledger testnet init/start/stop`.
// Each repeat uses fresh testnets and measures
//   - sustained committed transactions per second: S submitters, each a
//     sub-holder of the root that signed its delegations in advance, POST
//     them with "wait": false over one kept connection to one node each
//     (spread over the four), as fast as the nodes take them;
//   - submit -> commit latency (a poller on validator0 sees each block as it
//     commits) at saturation, at a paced offered load of half the rate
//     saturation sustained, and at light load (POST with "wait": true, one
//     transaction in flight per submitter);
//   - resident memory (VmRSS) of every node after the load;
//   - a fresh observer's sync of the whole chain, in blocks/s and tx/s;
//   - blocks per second with an empty mempool and --block-interval 0, and
//     a fresh observer's sync of those empty blocks from one validator
//     (blocks/s from its start; the other three stopped, the chain halted).
// Clients, four validators and the observer share this machine's cores,
// so the figures are a lower bound for a real network.
// Run: build/bench_testnet [--txs N] [--submitters S] [--repeats R] [--empty-seconds D] [--paced-seconds P]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_usage.h"
#include "bench/bench_testnet_net.h"
#include "bench/generated_import.h"
#include "bench/imported_testnet.h"
#include "bench/percentile.h"
#include "ledger/transaction.h"
#include "node/client/http_client.h"

using namespace nl;
using nlohmann::json;
using nl::bench::Clock;
using nl::bench::CommitWatcher;
using nl::bench::die;
using nl::bench::seconds_since;
using nl::bench::Testnet;
using nl::ledger::u128;
using nl::bench::body_of;
using nl::bench::delegation;
using nl::bench::ipv4;
using nl::bench::median;
using nl::bench::percentile;

namespace {

const char* kChain = "bench-testnet";

// NL_BENCH_SAMPLES=FILE: every submit->commit latency, one "<load> <seconds>"
// line each, so that whitepaper/figures.py can draw their distribution.
void write_samples(const char* load, const std::vector<double>& v) {
  const char* path = std::getenv("NL_BENCH_SAMPLES");
  if (!path || !*path) return;
  FILE* f = std::fopen(path, "a");
  if (!f) die(std::string("cannot append to NL_BENCH_SAMPLES=") + path);
  for (double d : v) std::fprintf(f, "%s %.6f\n", load, d);
  std::fclose(f);
}

ledger::Transaction sign(const crypto::Hash32& genesis, const crypto::SecretKey& key, ledger::TxBody body,
                         uint64_t nonce) {
  return bench::sign_tx(kChain, genesis, key, std::move(body), nonce);
}

struct Repeat {
  double tx_per_s = 0, steady_tx_per_s = 0, submit_per_s = 0, load_p50 = 0, load_p99 = 0;
  double paced_offered = 0, paced_tx_per_s = 0, paced_p50 = 0, paced_p99 = 0, light_p50 = 0, light_p99 = 0;
  double tx_per_block = 0, sync_blocks_per_s = 0, sync_tx_per_s = 0, empty_blocks_per_s = 0;
  double empty_sync_blocks_per_s = 0;
  uint64_t empty_sync_blocks = 0;
  double rss_validator_max = 0, rss_observer = 0;
  size_t committed = 0, refused = 0, retries = 0;
  uint64_t chain_height = 0, chain_txs = 0;
};

// The root gives each submitter a /16 of 10.0.0.0/8, so every submitter
// signs its own independent delegations with its own nonces.
std::vector<crypto::SecretKey> make_holders(Testnet& net, size_t count) {
  auto root = net.root();
  std::vector<crypto::SecretKey> holders;
  for (size_t k = 0; k < count; ++k) {
    holders.push_back(crypto::SecretKey::generate());
    auto tx = sign(net.genesis_hash(), root, delegation(ipv4(k, 0, 0), ipv4(k, 255, 255), holders[k].public_key()), k + 1);
    auto r = node::http_request(net.url(0), "POST", "/api/v1/tx", body_of(tx, k + 1 == count), std::chrono::seconds(60));
    if (!r.ok() || (r->status != 202 && r->status != 200))
      die("setup delegation " + std::to_string(k) + ": " + (r.ok() ? r->body : r.error()));
  }
  return holders;
}

// Transactions signed in advance, one list per submitter: holder k's j-th
// delegation overall is the j-th /28 of its /16, with nonce j + 1.
struct Batch {
  std::vector<std::vector<std::pair<std::string, std::string>>> work;  // (id, body)
  size_t size = 0;
};

class Signer {
 public:
  Signer(const crypto::Hash32& genesis, std::vector<crypto::SecretKey> holders)
      : genesis_(genesis), holders_(std::move(holders)), used_(holders_.size(), 0) {}
  size_t submitters() const { return holders_.size(); }
  // n transactions spread over the first `spread` holders (0: all).
  Batch sign_batch(size_t n, bool wait, size_t spread = 0) {
    if (spread == 0 || spread > holders_.size()) spread = holders_.size();
    Batch b;
    b.work.resize(spread);
    for (size_t i = 0; i < n; ++i) {
      size_t k = i % spread, j = used_[k]++;
      if (j >= 4096) die("too many transactions per submitter (at most 4096 /28s in a /16)");
      u128 first = ipv4(k, 0, 0) + u128(j) * 16;
      auto tx = sign(genesis_, holders_[k], delegation(first, first + 15, recipient_), j + 1);
      b.work[k].emplace_back(tx.id().hex(), body_of(tx, wait));
    }
    b.size = n;
    return b;
  }

 private:
  crypto::Hash32 genesis_;
  std::vector<crypto::SecretKey> holders_;
  std::vector<size_t> used_;
  crypto::PublicKey recipient_ = crypto::SecretKey::generate().public_key();
};

// What happened to a batch: per transaction, when its accepted POST began
// (max() if refused) and, from the watcher, when it committed.
struct Outcome {
  std::vector<std::vector<Clock::time_point>> submitted;
  size_t accepted = 0, refused = 0, retries = 0;
  std::string first_refusal;
  Clock::time_point t0, t_end;  // first POST began, last POST returned
};

// Submitter k posts its list to node k % 4, in nonce order. With
// `per_second` > 0 the whole batch is paced to that offered rate;
// otherwise as fast as the nodes take it.
Outcome submit_batch(const Testnet& net, const Batch& b, double per_second) {
  const size_t s = b.work.size();
  Outcome o;
  o.submitted.resize(s);
  std::atomic<size_t> accepted{0}, refused{0}, retries{0};
  std::mutex mu;
  o.t0 = Clock::now();
  std::vector<std::thread> threads;
  for (size_t k = 0; k < s; ++k)
    threads.emplace_back([&, k] {
      // One kept connection per submitter, as a real load generator does.
      node::HttpClient client(net.url(k % 4));
      for (size_t j = 0; j < b.work[k].size(); ++j) {
        if (per_second > 0) {
          // Submitter k's j-th transaction is number j * s + k of the batch.
          auto due = o.t0 + std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(static_cast<double>(j * s + k) / per_second));
          std::this_thread::sleep_until(due);
        }
        for (;;) {
          auto at = Clock::now();
          auto r = client.request("POST", "/api/v1/tx", b.work[k][j].second, std::chrono::seconds(60));
          if (r.ok() && r->status == 503) {  // mempool full: back off a little
            ++retries;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            continue;
          }
          if (r.ok() && (r->status == 202 || r->status == 200)) {
            ++accepted;
            o.submitted[k].push_back(at);
          } else {
            ++refused;
            o.submitted[k].push_back(Clock::time_point::max());
            std::lock_guard lk(mu);
            if (o.first_refusal.empty()) o.first_refusal = r.ok() ? std::to_string(r->status) + " " + r->body : r.error();
          }
          break;
        }
      }
    });
  for (auto& t : threads) t.join();
  o.t_end = Clock::now();
  o.accepted = accepted;
  o.refused = refused;
  o.retries = retries;
  if (!o.first_refusal.empty()) std::fprintf(stderr, "bench_testnet: first refusal: %s\n", o.first_refusal.c_str());
  return o;
}

struct Measured {
  std::vector<double> latency;   // submit -> commit, s
  std::vector<double> commit_s;  // commit time since the batch began, sorted
};

Measured measure(const Batch& b, const Outcome& o, const CommitWatcher& w) {
  Measured m;
  for (size_t k = 0; k < b.work.size(); ++k)
    for (size_t j = 0; j < b.work[k].size(); ++j) {
      auto c = w.committed(b.work[k][j].first);
      if (!c || o.submitted[k][j] == Clock::time_point::max()) continue;
      m.latency.push_back(std::chrono::duration<double>(*c - o.submitted[k][j]).count());
      m.commit_s.push_back(std::chrono::duration<double>(*c - o.t0).count());
    }
  std::sort(m.commit_s.begin(), m.commit_s.end());
  return m;
}

// Saturation (as fast as the nodes take it), then a paced load at half the
// rate saturation sustained, then light load (one wait=true request in
// flight per submitter, four submitters).
void run_load(Testnet& net, size_t n, size_t submitters, double paced_seconds, Repeat& out) {
  Signer signer(net.genesis_hash(), make_holders(net, submitters));
  // The setup committed on validator0; submitters post to all four, so each
  // must have it too, or a submitter's first delegation is refused and its
  // later nonces wait forever (seen at small --txs on a loaded machine).
  const uint64_t setup_height = net.height(0).value_or(0);
  for (size_t i = 0; i < 4; ++i) net.wait_height(i, setup_height, 60);
  size_t setup_txs = submitters, txs_total = 0;

  {
    Batch b = signer.sign_batch(n, false);
    CommitWatcher w(net, net.height(0).value_or(0));
    Outcome o = submit_batch(net, b, 0);
    w.wait_for(o.accepted, 30);
    Measured m = measure(b, o, w);
    out.committed = m.commit_s.size();
    out.refused = o.refused;
    out.retries = o.retries;
    if (!m.commit_s.empty()) out.tx_per_s = static_cast<double>(m.commit_s.size()) / m.commit_s.back();
    out.submit_per_s = static_cast<double>(o.accepted) / std::chrono::duration<double>(o.t_end - o.t0).count();
    out.steady_tx_per_s = w.sustained_tx_per_s();
    out.load_p50 = percentile(m.latency, 0.5);
    out.load_p99 = percentile(m.latency, 0.99);
    out.tx_per_block = w.blocks() ? static_cast<double>(w.seen()) / static_cast<double>(w.blocks()) : 0;
    txs_total += m.commit_s.size();
  }

  // Half of what the whole saturation run committed per second: a load the
  // testnet can carry, so the latency is not queueing.
  out.paced_offered = std::max(10.0, 0.5 * out.tx_per_s);
  {
    size_t count = std::max<size_t>(submitters, static_cast<size_t>(out.paced_offered * paced_seconds));
    Batch b = signer.sign_batch(count, false);
    CommitWatcher w(net, net.height(0).value_or(0));
    Outcome o = submit_batch(net, b, out.paced_offered);
    w.wait_for(o.accepted, 30);
    Measured m = measure(b, o, w);
    if (!m.commit_s.empty()) out.paced_tx_per_s = static_cast<double>(m.commit_s.size()) / m.commit_s.back();
    out.paced_p50 = percentile(m.latency, 0.5);
    out.paced_p99 = percentile(m.latency, 0.99);
    write_samples("paced", m.latency);
    txs_total += m.commit_s.size();
  }

  {
    // wait=true: the POST returns when the node it went to has committed.
    const size_t light_submitters = std::min<size_t>(4, submitters);
    Batch b = signer.sign_batch(light_submitters * 50, true, light_submitters);
    std::vector<double> light;
    std::mutex mu;
    std::vector<std::thread> threads;
    for (size_t k = 0; k < b.work.size(); ++k)
      threads.emplace_back([&, k] {
        node::HttpClient client(net.url(k % 4));
        for (const auto& [id, body] : b.work[k]) {
          auto at = Clock::now();
          auto r = client.request("POST", "/api/v1/tx", body, std::chrono::seconds(60));
          double d = seconds_since(at);
          if (r.ok() && r->status == 200) {
            std::lock_guard lk(mu);
            light.push_back(d);
          }
        }
      });
    for (auto& t : threads) t.join();
    out.light_p50 = percentile(light, 0.5);
    out.light_p99 = percentile(light, 0.99);
    write_samples("light", light);
    txs_total += light.size();
  }
  out.chain_txs = setup_txs + txs_total;
}

void run_sync(Testnet& net, Repeat& out) {
  for (int i = 0; i < 4; ++i) out.rss_validator_max = std::max(out.rss_validator_max, net.rss_mib(net.names()[i]));
  const uint64_t h = net.height(0).value_or(0);
  out.chain_height = h;
  const auto t0 = Clock::now();
  net.start({"observer0"});
  net.wait_height(4, h, 600);
  const double s = seconds_since(t0);
  out.sync_blocks_per_s = static_cast<double>(h) / s;
  out.sync_tx_per_s = static_cast<double>(out.chain_txs) / s;
  out.rss_observer = net.rss_mib("observer0");
}

void run_empty(double seconds, Repeat& out) {
  Testnet net(1, "0", kChain);
  net.start({net.names()[0], net.names()[1], net.names()[2], net.names()[3]});
  net.wait_height(0, 3, 60);
  const uint64_t h0 = net.height(0).value_or(0);
  const auto t0 = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  const uint64_t h1 = net.height(0).value_or(0);
  out.empty_blocks_per_s = static_cast<double>(h1 - h0) / seconds_since(t0);
  // A new observer catches up on those empty blocks from one peer: with
  // three validators stopped the chain halts, and validator0 serves alone.
  net.stop_only({net.names()[1], net.names()[2], net.names()[3]});
  const uint64_t h = net.height(0).value_or(0);
  const auto t1 = Clock::now();
  net.start({"observer0"});
  net.wait_height(4, h, 600);
  out.empty_sync_blocks = h;
  out.empty_sync_blocks_per_s = static_cast<double>(h) / seconds_since(t1);
}

std::string cpu_model() {
  std::string info = test::slurp("/proc/cpuinfo");
  auto at = info.find("model name");
  if (at == std::string::npos) return "unknown CPU";
  auto colon = info.find(':', at), end = info.find('\n', at);
  return info.substr(colon + 2, end - colon - 2);
}

// bench_testnet on an imported genesis (bench/imported_testnet.h); with
// `scale` > 0, on the registry generated and imported at that scale first.
int run_imported_main(bench::ImportedLoadOptions opt, size_t txs, double paced_seconds, size_t repeats, double scale,
                      const std::string& data) {
  crypto::init();
  opt.txs = txs;
  opt.paced_seconds = paced_seconds;
  // Static: die() exits, and the import (hundreds of MiB at scale 1) must go too.
  static test::TempDir work("nl-bench-testnet-import");
  std::printf("4-validator loopback testnet (numledger testnet) on an imported genesis, %u cores, %s\n",
              std::thread::hardware_concurrency(), cpu_model().c_str());
  if (scale > 0) {
    // The genesis names a validator; testnet init puts its own in its place.
    const std::string placeholder = ledger::AccountId{crypto::SecretKey::generate().public_key()}.to_string();
    auto imp = bench::import_generated(scale, opt.seed, data, work.path, bench::bin_dir() + "/numledger", placeholder);
    if (!imp) die(imp.error());
    opt.genesis = imp->genesis;
    opt.keystore = imp->keystore;
    std::printf("registry generated at scale %g (seed %llu): %llu records, %llu VRPs; imported in %.1f s: %llu holdings, "
                "%llu authorizations, %llu accounts\n",
                scale, static_cast<unsigned long long>(opt.seed), static_cast<unsigned long long>(imp->records),
                static_cast<unsigned long long>(imp->vrps), imp->import_s,
                static_cast<unsigned long long>(imp->report.value("holdings", uint64_t{0})),
                static_cast<unsigned long long>(imp->report.value("authorizations", uint64_t{0})),
                static_cast<unsigned long long>(imp->report.value("accounts", uint64_t{0})));
  }
  std::printf("genesis %s (%.1f MiB), keystore %s\n", opt.genesis.c_str(),
              static_cast<double>(std::filesystem::file_size(opt.genesis)) / (1 << 20), opt.keystore.c_str());
  std::printf("load: %zu transactions from %zu holders (their own keys; POST /api/v1/txs, %zu a request, one kept "
              "connection per validator), then paced for %.0f s; --block-interval %s; repeats %zu\n\n",
              opt.txs, opt.accounts, opt.batch, opt.paced_seconds, opt.block_interval.c_str(), repeats);
  std::fflush(stdout);
  return bench::run_imported(opt, repeats);
}

}  // namespace

constexpr const char* kUsage =
    "usage: bench_testnet [--txs N] [--submitters S] [--repeats R] [--empty-seconds D] [--paced-seconds P]\n"
    "       bench_testnet (--genesis FILE --keystore DIR | --scale X [--seed S] [--data DIR])\n"
    "                     [--accounts A] [--batch B] [--txs N] [--repeats R] [--paced-seconds P]\n"
    "  Starts a 4-validator loopback testnet R times (default 3) and prints sustained committed tx/s for N\n"
    "  delegations (default 20000) from S submitters (default 32), submit-to-commit latency at saturation,\n"
    "  paced and light load, empty blocks/s over D seconds (default 10), observer sync speed (of the loaded chain\n"
    "  and of the empty one) and RSS per node.\n"
    "  NL_BENCH_KEEP_LOGS=DIR keeps every node's log; NL_BENCH_SAMPLES=FILE appends every paced and light\n"
    "  submit-to-commit latency to FILE, one \"paced|light SECONDS\" line each.\n"
    "  On an imported genesis (numledger import rir --out FILE --keystore DIR, unencrypted), or on the\n"
    "  registry generated at scale X (seed S, default 1; scale 1 is the whole world's, ~500k records and\n"
    "  800k VRPs; IANA's CSVs from --data, default ../shared/data) and imported first: N transactions\n"
    "  (default 20000) signed by A of the imported holders (default 1000) with their own keys, set-metadata,\n"
    "  authorize and withdraw on their own holdings, through POST /api/v1/txs, B a request (default 500);\n"
    "  then paced at half the rate for P seconds. Prints committed tx/s, submit-to-commit p50/p99, the first\n"
    "  start and every validator's RSS; exit 1 unless every transaction committed.\n";

int main(int argc, char** argv) {
  size_t txs = 20000, submitters = 32, repeats = 3;
  double empty_seconds = 10, paced_seconds = 10, scale = 0;
  bench::ImportedLoadOptions imported;
  std::string data = std::string(NL_SOURCE_DIR) + "/../shared/data";
  bench::handle_help(argc, argv, kUsage);
  if (argc % 2 == 0) bench::usage_error("every flag takes a value", kUsage);
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--genesis") { imported.genesis = argv[i + 1]; continue; }
    if (flag == "--keystore") { imported.keystore = argv[i + 1]; continue; }
    if (flag == "--data") { data = argv[i + 1]; continue; }
    char* end = nullptr;
    double v = std::strtod(argv[i + 1], &end);
    if (*argv[i + 1] == '\0' || *end != '\0') bench::usage_error(("not a number: " + std::string(argv[i + 1])).c_str(), kUsage);
    if (flag == "--txs") txs = static_cast<size_t>(v);
    else if (flag == "--submitters") submitters = static_cast<size_t>(v);
    else if (flag == "--repeats") repeats = static_cast<size_t>(v);
    else if (flag == "--empty-seconds") empty_seconds = v;
    else if (flag == "--paced-seconds") paced_seconds = v;
    else if (flag == "--scale") scale = v;
    else if (flag == "--seed") imported.seed = static_cast<uint64_t>(v);
    else if (flag == "--accounts") imported.accounts = static_cast<size_t>(v);
    else if (flag == "--batch") imported.batch = static_cast<size_t>(v);
    else bench::usage_error(("unknown flag " + flag).c_str(), kUsage);
  }
  if (!imported.genesis.empty() || !imported.keystore.empty() || scale > 0) {
    if (scale > 0 && !imported.genesis.empty()) bench::usage_error("--scale or --genesis, not both", kUsage);
    if (scale == 0 && (imported.genesis.empty() || imported.keystore.empty()))
      bench::usage_error("--genesis and --keystore go together", kUsage);
    if (txs < 1 || repeats < 1 || paced_seconds <= 0 || imported.accounts < 1 || imported.batch < 1 ||
        imported.batch > 1000)
      die("need txs, repeats, accounts >= 1, 1 <= batch <= 1000 (the node's limit), paced-seconds > 0");
    return run_imported_main(imported, txs, paced_seconds, repeats, scale, data);
  }
  crypto::init();
  std::printf("4-validator loopback testnet (numledger testnet), %u cores, %s\n",
              std::thread::hardware_concurrency(), cpu_model().c_str());
  std::printf("load: %zu delegations from %zu submitters (wait=false, one kept HTTP connection each), --block-interval 1; repeats %zu\n\n", txs,
              submitters, repeats);

  std::vector<Repeat> all;
  for (size_t r = 0; r < repeats; ++r) {
    Repeat rep;
    {
      Testnet net(1, "1", kChain);
      net.start({"validator0", "validator1", "validator2", "validator3"});
      net.wait_height(0, 1, 60);
      run_load(net, txs, submitters, paced_seconds, rep);
      run_sync(net, rep);
    }
    run_empty(empty_seconds, rep);
    std::printf("repeat %zu: saturation %.0f tx/s overall (sustained %.0f, submitted %.0f/s), p50 %.3f s p99 %.3f s, "
                "%.1f tx/block, committed %zu refused %zu retries %zu; paced %.0f offered -> %.0f tx/s, p50 %.3f s p99 %.3f s; light p50 %.3f s "
                "p99 %.3f s; sync %llu blocks %.0f blocks/s %.0f tx/s; empty %.1f blocks/s, synced %llu of them at %.0f "
                "blocks/s; RSS validator max %.0f MiB observer %.0f MiB\n",
                r + 1, rep.tx_per_s, rep.steady_tx_per_s, rep.submit_per_s, rep.load_p50, rep.load_p99, rep.tx_per_block, rep.committed,
                rep.refused, rep.retries, rep.paced_offered, rep.paced_tx_per_s, rep.paced_p50, rep.paced_p99,
                rep.light_p50, rep.light_p99, static_cast<unsigned long long>(rep.chain_height),
                rep.sync_blocks_per_s, rep.sync_tx_per_s, rep.empty_blocks_per_s,
                static_cast<unsigned long long>(rep.empty_sync_blocks), rep.empty_sync_blocks_per_s, rep.rss_validator_max,
                rep.rss_observer);
    std::fflush(stdout);
    all.push_back(rep);
  }

  auto med = [&](double Repeat::*f) {
    std::vector<double> v;
    for (const auto& r : all) v.push_back(r.*f);
    return median(v);
  };
  const double tps = med(&Repeat::steady_tx_per_s), paced_p50 = med(&Repeat::paced_p50);
  std::printf("\nmedians over %zu repeat(s):\n", all.size());
  std::printf("  sustained committed tx/s          %8.0f   (first to last loaded block; first submit to last commit: "
              "%.0f; submitted %.0f/s)\n",
              tps, med(&Repeat::tx_per_s), med(&Repeat::submit_per_s));
  std::printf("  submit->commit at saturation      p50 %.3f s   p99 %.3f s   (queueing: offered faster than committed)\n",
              med(&Repeat::load_p50), med(&Repeat::load_p99));
  std::printf("  submit->commit paced at %5.0f/s   p50 %.3f s   p99 %.3f s   (committed %.0f tx/s)\n",
              med(&Repeat::paced_offered), paced_p50, med(&Repeat::paced_p99), med(&Repeat::paced_tx_per_s));
  std::printf("  submit->commit, light load        p50 %.3f s   p99 %.3f s   (4 submitters, wait=true)\n",
              med(&Repeat::light_p50), med(&Repeat::light_p99));
  std::printf("  transactions per block at saturation %5.1f\n", med(&Repeat::tx_per_block));
  std::printf("  empty blocks/s (--block-interval 0) %6.1f\n", med(&Repeat::empty_blocks_per_s));
  std::printf("  new observer sync                 %8.0f blocks/s   %.0f tx/s\n", med(&Repeat::sync_blocks_per_s),
              med(&Repeat::sync_tx_per_s));
  std::printf("  new observer sync, empty blocks   %8.0f blocks/s   (the empty-blocks run's chain, from one validator)\n",
              med(&Repeat::empty_sync_blocks_per_s));
  std::printf("  RSS per node                      validator (largest) %.0f MiB, observer %.0f MiB\n",
              med(&Repeat::rss_validator_max), med(&Repeat::rss_observer));
  std::printf("ratios: sustained tx/s is %.2fx the 2,000 tx/s target; paced p50 is %.2fx the 1 s target\n",
              tps / 2000.0, paced_p50 / 1.0);
  return 0;
}
