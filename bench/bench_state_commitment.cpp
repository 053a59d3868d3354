// State commitment benchmark, at 100,000 and 1,000,000 entries (and
// 3,000,000 when max_n allows): bulk load rate (n puts, then one flush,
// which is also the full root rebuild a node does at startup), batched
// update rate (blocks of 50,000 random updates, one flush per block) with
// the hashes per update counted by the tree, the same updates flushed one
// at a time for comparison, proof size and verification time.
// Usage: bench_state_commitment [max_n]   (default 1000000)
// Times are wall clock with the process CPU time in brackets, since the
// machine may be shared.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <cstdlib>
#include <random>
#include <vector>

#include "bench/bench_usage.h"
#include "bench/state_tree_entries.h"
#include "ledger/canonical.h"
#include "ledger/state_commitment.h"

using namespace nl;
using namespace nl::ledger;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double cpu_seconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

using bench::key_of;
using bench::value_of;

template <class T>
T median(std::vector<T> v) {
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

void run(uint64_t n) {
  std::printf("== %llu entries ==\n", static_cast<unsigned long long>(n));
  std::vector<uint64_t> ids(n);
  for (uint64_t i = 0; i < n; ++i) ids[i] = i;
  std::mt19937_64 rng(n);
  std::shuffle(ids.begin(), ids.end(), rng);

  // Bulk load: n puts, then one flush. Building from empty is also the
  // full root rebuild a node does from its state store at startup.
  auto t0 = Clock::now();
  double c0 = cpu_seconds();
  StateCommitment tree;
  for (uint64_t id : ids) tree.put(key_of(id), value_of(id, 0));
  double put_s = seconds_since(t0);
  uint64_t h0 = tree.hash_count();
  tree.flush();
  double load_s = seconds_since(t0), load_cpu = cpu_seconds() - c0;
  std::printf("load:    %.0f entries/s [%.0f entries/s CPU], %.2f s [%.2f s CPU] for %llu puts + 1 flush "
              "(puts %.2f s, flush %.2f s)\n",
              n / load_s, n / load_cpu, load_s, load_cpu, static_cast<unsigned long long>(n), put_s,
              load_s - put_s);
  std::printf("         %.2f hashes per entry (3 key/value/leaf + %.2f inner)\n",
              static_cast<double>(tree.hash_count()) / n,
              static_cast<double>(tree.hash_count() - h0) / n);

  // Proofs of a sample of keys: size, depth and verification time.
  const size_t samples = 20000;
  std::vector<size_t> sizes, depths;
  std::vector<double> verify_us;
  crypto::Hash32 root = tree.root();
  for (size_t i = 0; i < samples; ++i) {
    uint64_t id = ids[rng() % n];
    auto p = tree.prove(key_of(id));
    if (!p) std::abort();
    Writer w;
    p->encode(w);
    sizes.push_back(w.data().size());
    depths.push_back(p->depth);
    Bytes key = key_of(id), value = value_of(id, 0);
    auto v0 = Clock::now();
    bool ok = verify_state_proof(root, key, value, *p);
    verify_us.push_back(seconds_since(v0) * 1e6);
    if (!ok) std::abort();
  }
  double mean_depth = 0;
  for (size_t d : depths) mean_depth += static_cast<double>(d);
  mean_depth /= static_cast<double>(depths.size());
  std::printf("proof:   median %zu bytes, median depth %zu, mean depth %.1f, max depth %zu\n",
              median(sizes), median(depths), mean_depth,
              *std::max_element(depths.begin(), depths.end()));
  std::printf("verify:  median %.1f us\n", median(verify_us));

  // Batched updates: blocks of 50,000 random updates of existing entries
  // (a block of 10,000 transactions makes about that many), one flush per
  // block. Hashes are counted by the tree: key, value and leaf hash per
  // update plus one per distinct dirty inner node per block.
  const size_t block = 50000, blocks = 4;
  uint64_t version = 1;
  auto pick = [&] { return ids[rng() % n]; };
  t0 = Clock::now();
  c0 = cpu_seconds();
  uint64_t hb = tree.hash_count();
  for (size_t b = 0; b < blocks; ++b) {
    for (size_t i = 0; i < block; ++i) {
      uint64_t id = pick();
      tree.put(key_of(id), value_of(id, version++));
    }
    tree.flush();
    (void)tree.root();
  }
  double batch_s = seconds_since(t0), batch_cpu = cpu_seconds() - c0;
  double batch_hashes = static_cast<double>(tree.hash_count() - hb) / (block * blocks);
  std::printf("batched: %.0f updates/s [%.0f CPU], %.2f hashes per update (%zu blocks of %zu, "
              "flush per block)\n",
              block * blocks / batch_s, block * blocks / batch_cpu, batch_hashes, blocks, block);

  // The same kind of updates flushed one at a time: the cost of the old
  // rehash-the-path-on-every-write scheme.
  const size_t singles = 20000;
  t0 = Clock::now();
  c0 = cpu_seconds();
  hb = tree.hash_count();
  for (size_t i = 0; i < singles; ++i) {
    uint64_t id = pick();
    tree.put(key_of(id), value_of(id, version++));
    tree.flush();
  }
  double single_s = seconds_since(t0), single_cpu = cpu_seconds() - c0;
  std::printf("single:  %.0f updates/s [%.0f CPU], %.2f hashes per update (flush per update)\n",
              singles / single_s, singles / single_cpu,
              static_cast<double>(tree.hash_count() - hb) / singles);

  // The root must not depend on insertion order; checked at the small size
  // only, to keep the run short.
  if (n <= 100000) {
    tree = StateCommitment();
    StateCommitment again;
    for (auto it = ids.rbegin(); it != ids.rend(); ++it) again.put(key_of(*it), value_of(*it, 0));
    again.flush();
    bool same = again.root() == root;
    std::printf("order:   reverse-order rebuild root %s\n", same ? "matches" : "MISMATCH");
    if (!same) std::exit(1);
  }
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  constexpr const char* kUsage =
      "usage: bench_state_commitment [max_n]\n"
      "  Bulk load, batched update, proof size and verification for 100,000, 1,000,000 and (if max_n allows)\n"
      "  3,000,000 entries. Default max_n 1000000.\n";
  nl::bench::handle_help(argc, argv, kUsage);
  if (argc > 2) nl::bench::usage_error("at most one argument", kUsage);
  uint64_t max_n = argc > 1 ? nl::bench::parse_count(argv[1], kUsage) : 1000000;
  for (uint64_t n : {uint64_t{100000}, uint64_t{1000000}, uint64_t{3000000}})
    if (n <= max_n) run(n);
  return 0;
}
