// The state tree on disk against the same tree all in memory, in a real
// RocksDB store (ledger/state_tree_nodes.h): the first write of the whole
// tree, opening it, a block of random updates (applied, hashed, its
// records written in one synced batch) and a proof, at the chain's cache
// depth (18) and with nothing left on disk. Medians of the blocks.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_usage.h"
#include "bench/state_tree_entries.h"
#include "ledger/block_store.h"
#include "ledger/canonical.h"
#include "ledger/chain.h"
#include "ledger/state_commitment.h"

using namespace nl;
using namespace nl::ledger;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kUsage =
    "usage: bench_state_tree_disk [--entries N] [--block K] [--blocks B]\n"
    "  N entries (default 2,200,000: the whole world's state), then B blocks (default 9) of K random\n"
    "  updates (default 10,000) on the tree kept on disk below the chain's cache depth and on the\n"
    "  same tree kept in memory; about 1 GB of /tmp at the default size.\n";

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

using bench::key_of;
using bench::value_of;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct Figures {
  double first_write_s = 0, open_ms = 0, block_ms = 0, prove_us = 0;
  size_t records_per_block = 0;
};

Figures run(uint64_t n, uint64_t k, int blocks, unsigned cache_depth, const std::string& dir) {
  Figures f;
  std::filesystem::remove_all(dir);
  auto store = BlockStore::open(dir, crypto::Hash32{});
  if (!store) {
    std::fprintf(stderr, "bench_state_tree_disk: %s\n", store.error().c_str());
    std::exit(1);
  }
  std::vector<StateCommitment::LeafHashes> leaves;
  leaves.reserve(n);
  for (uint64_t i = 0; i < n; ++i) leaves.push_back(StateCommitment::leaf_of(key_of(i), value_of(i, 0)));
  auto t = Clock::now();
  StateCommitment tree = StateCommitment::from_leaves(std::move(leaves));
  tree.set_reader((*store)->tree_reader());
  if (!(*store)->write_tree(tree.persist(nullptr, cache_depth)).ok()) std::exit(1);
  f.first_write_s = since(t);
  if (cache_depth < 256) {  // a restart: the tree opened from its root record
    store->reset();
    store = BlockStore::open(dir, crypto::Hash32{});
    t = Clock::now();
    auto opened = StateCommitment::open((*store)->tree_reader());
    f.open_ms = since(t) * 1000;
    if (!opened || !*opened) std::exit(1);
    tree = std::move(**opened);
  }
  std::mt19937_64 rng(1);
  std::vector<double> block_ms, prove_us;
  for (int b = 0; b < blocks; ++b) {
    const auto on_disk = tree.snapshot();
    t = Clock::now();
    for (uint64_t i = 0; i < k; ++i) {
      const uint64_t id = rng() % n;
      tree.put(key_of(id), value_of(id, b + 1));
    }
    tree.flush();
    auto writes = tree.persist(&on_disk, cache_depth);
    if (!(*store)->write_tree(writes).ok()) std::exit(1);
    block_ms.push_back(since(t) * 1000);
    f.records_per_block = writes.size();
    for (int q = 0; q < 200; ++q) {
      const uint64_t id = rng() % n;
      t = Clock::now();
      if (!tree.prove(key_of(id))) std::exit(1);
      prove_us.push_back(since(t) * 1e6);
    }
  }
  f.block_ms = median(block_ms);
  f.prove_us = median(prove_us);
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  bench::handle_help(argc, argv, kUsage);
  uint64_t n = 2200000, k = 10000;
  int blocks = 9;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) bench::usage_error(("missing value after " + a).c_str(), kUsage);
    if (a == "--entries") n = bench::parse_count(argv[++i], kUsage);
    else if (a == "--block") k = bench::parse_count(argv[++i], kUsage);
    else if (a == "--blocks") blocks = static_cast<int>(bench::parse_count(argv[++i], kUsage));
    else bench::usage_error(("unknown argument " + a).c_str(), kUsage);
  }
  if (n < 2 || k < 1 || blocks < 1) bench::usage_error("--entries >= 2, --block and --blocks >= 1", kUsage);
  const std::string dir = (std::filesystem::temp_directory_path() / "nl-bench-tree-disk").string();
  std::printf("%llu entries, blocks of %llu random updates, median of %d blocks\n", (unsigned long long)n,
              (unsigned long long)k, blocks);
  std::printf("%-26s %14s %9s %12s %14s %10s\n", "tree", "first write s", "open ms", "block ms", "records/block",
              "prove us");
  const unsigned depth = ChainOptions{}.tree_cache_depth;
  for (auto [name, d] : {std::pair{"on disk below depth " + std::to_string(depth), depth},
                         std::pair{std::string("all in memory"), 256u}}) {
    Figures f = run(n, k, blocks, d, dir);
    std::printf("%-26s %14.2f %9.2f %12.1f %14zu %10.1f\n", name.c_str(), f.first_write_s, f.open_ms, f.block_ms,
                f.records_per_block, f.prove_us);
  }
  std::filesystem::remove_all(dir);
  return 0;
}
