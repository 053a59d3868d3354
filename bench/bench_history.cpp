// History index benchmark (not a test). Fills a real RocksDB block store
// with transactions naming random prefixes, then times history pages and
// counts the keys each read, beside what the previous index (one scan of
// every entry of the family whose first address is at most the query's
// last) would have read for the same query. Prints medians.
// Run: build/bench_history [--txs N] [--queries Q]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <unistd.h>

#include "bench/bench_usage.h"
#include "ledger/block_store.h"

using namespace nl;
using namespace nl::ledger;
using Clock = std::chrono::steady_clock;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// Mostly /16 to /24, as in the RIR files, some shorter and some longer.
Resource random_prefix(std::mt19937_64& rng) {
  static const int lens[] = {8, 12, 14, 16, 16, 18, 19, 20, 20, 21, 22, 22, 23, 24, 24, 24, 24, 28, 32};
  const int len = lens[rng() % std::size(lens)];
  const u128 host = len == 32 ? 0 : (u128(1) << (32 - len)) - 1;
  const u128 first = (rng() & 0xffffffffu) & ~host;
  return Resource{Family::ipv4, first, first | host};
}

}  // namespace

constexpr const char* kUsage =
    "usage: bench_history [--txs N] [--queries Q]\n"
    "  --txs N      transactions in the store, each naming a random IPv4 prefix (100000)\n"
    "  --queries Q  history pages timed per prefix length (1000)\n";

int main(int argc, char** argv) {
  bench::handle_help(argc, argv, kUsage);
  size_t n_txs = 100000, n_queries = 1000;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--txs") && i + 1 < argc) {
      n_txs = bench::parse_count(argv[++i], kUsage);
    } else if (!std::strcmp(argv[i], "--queries") && i + 1 < argc) {
      n_queries = bench::parse_count(argv[++i], kUsage);
    } else {
      bench::usage_error((std::string("unknown argument ") + argv[i]).c_str(), kUsage);
    }
  }
  if (n_txs == 0 || n_queries == 0) bench::usage_error("--txs and --queries must be at least 1", kUsage);
  const auto dir = std::filesystem::temp_directory_path() / ("nl-bench-history-" + std::to_string(::getpid()));
  const crypto::Hash32 genesis = crypto::tagged_hash("bench", as_bytes("history"));
  auto store = BlockStore::open(dir.string(), genesis);
  if (!store) {
    std::fprintf(stderr, "%s\n", store.error().c_str());
    return 1;
  }
  std::mt19937_64 rng(42);
  std::vector<Resource> named;  // for the previous index's cost
  constexpr size_t kPerBlock = 500;
  crypto::Hash32 prev = genesis;
  size_t keys = 0;
  std::vector<double> append_ms;
  for (uint64_t h = 1; named.size() < n_txs; ++h) {
    Block b;
    b.header.chain_id = "bench";
    b.header.height = h;
    b.header.prev_hash = prev;
    for (size_t i = 0; i < kPerBlock && named.size() < n_txs; ++i) {
      Transaction tx;
      tx.chain_id = "bench";
      tx.nonce = named.size() + 1;
      const Resource r = random_prefix(rng);
      tx.body = SetMetadataBody{r, Metadata{}};
      named.push_back(r);
      b.txs.push_back(std::move(tx));
    }
    keys += history_index::postings_for_block(b.txs, h).size();
    CommitCertificate cert;
    cert.height = h;
    cert.block_hash = b.header.hash();
    prev = cert.block_hash;
    const auto t0 = Clock::now();
    if (auto s = (*store)->append(b, cert, {}); !s) {
      std::fprintf(stderr, "append %llu: %s\n", static_cast<unsigned long long>(h), s.error().c_str());
      return 1;
    }
    append_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::printf("store: %zu transactions in blocks of %zu, %.1f history keys (postings) per transaction, append median %.1f ms a block\n",
              named.size(), kPerBlock, double(keys) / double(named.size()), median(append_ms));

  std::sort(named.begin(), named.end());
  auto previous_cost = [&](const Resource& q) {  // entries with first <= q.last were read
    return double(std::upper_bound(named.begin(), named.end(), Resource{q.family, q.last, family_max(q.family)}) -
                  named.begin());
  };
  for (int len : {24, 16, 8, 0}) {
    std::vector<double> us, per_entry, ratio;
    size_t returned = 0;
    for (size_t q = 0; q < n_queries; ++q) {
      const u128 host = len == 0 ? 0xffffffffu : (u128(1) << (32 - len)) - 1;
      const u128 first = (rng() & 0xffffffffu) & ~host;
      const Resource r{Family::ipv4, first, first | host};
      const auto t0 = Clock::now();
      auto page = (*store)->history(r, 100);
      us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      if (!page) {
        std::fprintf(stderr, "%s\n", page.error().c_str());
        return 1;
      }
      returned += page->entries.size();
      per_entry.push_back(double(page->stats.entries_read) / double(std::max<size_t>(1, page->entries.size())));
      ratio.push_back(previous_cost(r) / double(std::max<size_t>(1, page->stats.entries_read)));
    }
    std::printf("/%-2d pages of 100: median %.0f us, %.1f entries returned on average, %.2f entries read per entry returned "
                "(median); the previous scan read %.0fx as many (median)\n",
                len, median(us), double(returned) / double(n_queries), median(per_entry), median(ratio));
  }
  store->reset();
  std::filesystem::remove_all(dir);
  return 0;
}
