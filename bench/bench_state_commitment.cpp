// State commitment benchmark: insert and update rates, proof size and
// verification time, and the time to rebuild the root from every entry,
// at 100,000 and 1,000,000 entries. Usage: bench_state_commitment [max_n]
// Times are wall clock with the process CPU time in brackets, since the
// machine may be shared.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <cstdlib>
#include <random>
#include <vector>

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

Bytes key_of(uint64_t id) {
  Writer w;
  w.u8('H').u64(id);
  return w.take();
}

// About the size of an encoded holding: ~120 bytes, varying per id.
Bytes value_of(uint64_t id, uint64_t version) {
  Bytes v(120);
  uint64_t x = id * 0x9E3779B97F4A7C15ull ^ version;
  for (auto& b : v) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    b = static_cast<uint8_t>(x);
  }
  return v;
}

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

  // Building from empty is also the full root rebuild a node would do
  // from its state store: the tree has no bulk path.
  auto t0 = Clock::now();
  double c0 = cpu_seconds();
  StateCommitment tree;
  for (uint64_t id : ids) tree.put(key_of(id), value_of(id, 0));
  double insert_s = seconds_since(t0), insert_cpu = cpu_seconds() - c0;
  std::printf("insert:  %.0f entries/s [%.0f entries/s CPU]\n", n / insert_s, n / insert_cpu);
  std::printf("rebuild: %.2f s [%.2f s CPU] for the root of %llu entries from empty\n", insert_s,
              insert_cpu, static_cast<unsigned long long>(n));

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
  std::printf("proof:   median %zu bytes, median depth %zu, max depth %zu\n", median(sizes),
              median(depths), *std::max_element(depths.begin(), depths.end()));
  std::printf("verify:  median %.1f us\n", median(verify_us));

  // Updates of existing entries: one path of inner hashes each, plus the
  // key, value and leaf hashes.
  const size_t updates = 50000;
  t0 = Clock::now();
  c0 = cpu_seconds();
  for (size_t i = 0; i < updates; ++i) {
    uint64_t id = ids[rng() % n];
    tree.put(key_of(id), value_of(id, 1 + i));
  }
  double update_s = seconds_since(t0), update_cpu = cpu_seconds() - c0;
  std::printf("update:  %.0f updates/s [%.0f CPU], ~%.1f hashes per update (path %.1f + 3)\n",
              updates / update_s, updates / update_cpu, mean_depth + 3, mean_depth);

  // The root must not depend on insertion order; checked at the small size
  // only, to keep the run short.
  if (n <= 100000) {
    tree = StateCommitment();
    StateCommitment again;
    for (auto it = ids.rbegin(); it != ids.rend(); ++it) again.put(key_of(*it), value_of(*it, 0));
    bool same = again.root() == root;
    std::printf("order:   reverse-order rebuild root %s\n", same ? "matches" : "MISMATCH");
    if (!same) std::exit(1);
  }
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t max_n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  for (uint64_t n : {uint64_t{100000}, uint64_t{1000000}})
    if (n <= max_n) run(n);
  return 0;
}
