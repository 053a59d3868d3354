// The authorizations read from the store against the same held in memory
// (ledger/authorization_table.h), on a real node's ledger: the overlap
// lookup every delegation, transfer, return and revoke makes for the lapse
// rule, and a lookup by key (an authorize asks for a key that is mostly
// absent). Prints the median and p99 microseconds of each, both ways, over
// the same queries: ranges drawn from the holdings, half of them a holding
// of an authorization's prefix.
// Run (the node stopped): build/bench_authorization_reads --home DIR --genesis FILE [--queries N]
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_usage.h"
#include "bench/percentile.h"
#include "crypto/basics/huge_page_heap.h"
#include "ledger/chain.h"
#include "ledger/state_keys.h"

using namespace nl;
using namespace nl::ledger;

namespace {

constexpr const char* kUsage =
    "usage: bench_authorization_reads --home DIR --genesis FILE [--queries N]\n"
    "  Opens the ledger of a stopped numledgerd (DIR/ledger) and times N (default 20000) overlap\n"
    "  lookups and key lookups of its authorizations, read from the store and held in memory.\n";

using Clock = std::chrono::steady_clock;

double micros_since(Clock::time_point t) {
  return std::chrono::duration<double, std::micro>(Clock::now() - t).count();
}

void report(const char* what, const std::vector<double>& disk, const std::vector<double>& memory) {
  std::printf("%-34s on disk p50 %7.2f  p99 %7.2f µs   in memory p50 %7.2f  p99 %7.2f µs\n", what,
              bench::median(disk), bench::percentile(disk, 0.99), bench::median(memory),
              bench::percentile(memory, 0.99));
}

}  // namespace

int main(int argc, char** argv) {
  basics::use_huge_page_heap(argv);  // as numledgerd runs
  bench::handle_help(argc, argv, kUsage);
  std::string home, genesis_path;
  size_t queries = 20000;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) bench::usage_error(("missing value for " + a).c_str(), kUsage);
    if (a == "--home") home = argv[++i];
    else if (a == "--genesis") genesis_path = argv[++i];
    else if (a == "--queries") queries = bench::parse_count(argv[++i], kUsage);
    else bench::usage_error(("unknown argument " + a).c_str(), kUsage);
  }
  if (home.empty() || genesis_path.empty()) bench::usage_error("--home and --genesis are required", kUsage);
  auto genesis = Genesis::load(genesis_path);
  if (!genesis) return std::fprintf(stderr, "bench_authorization_reads: %s\n", genesis.error().c_str()), 1;
  auto chain = Chain::open(home + "/ledger", std::move(*genesis));
  if (!chain) return std::fprintf(stderr, "bench_authorization_reads: %s\n", chain.error().c_str()), 1;
  const Registry& reg = (*chain)->registry();

  // The same entries held in memory, and on disk as the chain holds them.
  AuthorizationTable memory, disk;
  disk.read_from((*chain)->store().state_reader());
  std::vector<Resource> prefixes;
  for (auto& [k, a] : reg.authorizations(std::nullopt, SIZE_MAX)) {
    prefixes.push_back(a.prefix);
    memory.insert(k, a);
    Writer w;
    a.encode(w);
    if (!disk.load(k, w.data())) return 1;
  }
  std::vector<const Holding*> holdings = reg.all_holdings();
  std::printf("%zu authorizations, %zu holdings, %zu queries\n", prefixes.size(), holdings.size(), queries);
  if (prefixes.empty() || holdings.empty()) return std::fprintf(stderr, "nothing to query\n"), 1;

  std::mt19937_64 rng(1);
  std::vector<Resource> ranges;
  for (size_t i = 0; i < queries; ++i) {
    if (i % 2 == 0) {
      ranges.push_back(prefixes[rng() % prefixes.size()]);
    } else {
      const Holding* h = holdings[rng() % holdings.size()];
      if (h->range.family == Family::asn) {
        --i;
        continue;
      }
      ranges.push_back(h->range);
    }
  }
  std::vector<double> disk_overlap, memory_overlap, disk_find, memory_find;
  size_t found = 0;
  for (const Resource& r : ranges) {
    auto t = Clock::now();
    auto a = disk.keys_overlapping(r, std::nullopt, SIZE_MAX);
    disk_overlap.push_back(micros_since(t));
    t = Clock::now();
    auto b = memory.keys_overlapping(r, std::nullopt, SIZE_MAX);
    memory_overlap.push_back(micros_since(t));
    if (a != b) return std::fprintf(stderr, "the two answers differ for %s\n", r.to_string().c_str()), 1;
    found += a.size();
    // A key an authorize would ask for: this range, of its own length, AS 64496.
    const Bytes key = keys::authorization(r, r.prefix_length().value_or(0), 64496);
    t = Clock::now();
    bool x = disk.contains(key);
    disk_find.push_back(micros_since(t));
    t = Clock::now();
    bool y = memory.contains(key);
    memory_find.push_back(micros_since(t));
    if (x != y) return 1;
  }
  std::printf("%.1f authorizations overlap a query on average\n", double(found) / double(ranges.size()));
  report("overlap lookup (the lapse rule)", disk_overlap, memory_overlap);
  report("lookup by key", disk_find, memory_find);
  return 0;
}
