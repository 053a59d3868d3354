// The entries a chain's registry reads from the store (stored_entries.h)
// against the same held in memory, on a real node's ledger:
//   - authorizations: the overlap lookup every delegation, transfer,
//     return and revoke makes for the lapse rule, and a lookup by key (an
//     authorize asks for a key that is mostly absent);
//   - segments: the one holding a number (every query and custody check
//     starts there) and those of a range (a change recomputes them);
//   - account states: by account (every transaction reads its signer's).
// Prints the median and p99 microseconds of each, both ways, over the
// same queries: ranges drawn from the holdings, half of them a holding of
// an authorization's prefix.
// Run (the node stopped): build/bench_state_reads --home DIR --genesis FILE [--queries N]
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_usage.h"
#include "bench/percentile.h"
#include "ledger/account_table.h"
#include "ledger/chain.h"
#include "ledger/segment_table.h"
#include "ledger/state_keys.h"

using namespace nl;
using namespace nl::ledger;

namespace {

constexpr const char* kUsage =
    "usage: bench_state_reads --home DIR --genesis FILE [--queries N]\n"
    "  Opens the ledger of a stopped numledgerd (DIR/ledger) and times N (default 20000) lookups of its\n"
    "  authorizations, segments and account states, read from the store and held in memory.\n";

using Clock = std::chrono::steady_clock;

double micros_since(Clock::time_point t) {
  return std::chrono::duration<double, std::micro>(Clock::now() - t).count();
}

void report(const char* what, const std::vector<double>& disk, const std::vector<double>& memory) {
  std::printf("%-36s on disk p50 %7.2f  p99 %7.2f µs   in memory p50 %7.2f  p99 %7.2f µs\n", what,
              bench::median(disk), bench::percentile(disk, 0.99), bench::median(memory),
              bench::percentile(memory, 0.99));
}

}  // namespace

int main(int argc, char** argv) {
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
  if (!genesis) return std::fprintf(stderr, "bench_state_reads: %s\n", genesis.error().c_str()), 1;
  auto chain = Chain::open(home + "/ledger", std::move(*genesis));
  if (!chain) return std::fprintf(stderr, "bench_state_reads: %s\n", chain.error().c_str()), 1;
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
  std::vector<Holding> holdings = reg.all_holdings();
  // Segments and account states likewise, from the store's own pages.
  SegmentTable memory_segments, disk_segments;
  AccountTable memory_accounts, disk_accounts;
  disk_segments.read_from((*chain)->store().state_reader());
  disk_accounts.read_from((*chain)->store().state_reader());
  std::vector<AccountId> accounts;
  size_t segments = 0;
  auto kind = [](uint8_t k) { return std::make_pair(Bytes{k}, Bytes{static_cast<uint8_t>(k + 1)}); };
  const auto [segments_from, segments_to] = kind(keys::kSegment);
  Status read = (*chain)->store().for_each_state(
      [&](ByteView k, ByteView v) -> Status {
        ++segments;
        if (auto st = memory_segments.load(k, v); !st) return st;
        return disk_segments.load(k, v);
      },
      segments_from, segments_to);
  const auto [accounts_from, accounts_to] = kind(keys::kAccount);
  if (read)
    read = (*chain)->store().for_each_state(
        [&](ByteView k, ByteView v) -> Status {
          if (auto st = memory_accounts.load(k, v); !st) return st;
          accounts.push_back(AccountId{crypto::PublicKey{Reader(k.subspan(1)).fixed<32>()}});
          return disk_accounts.load(k, v);
        },
        accounts_from, accounts_to);
  if (!read) return std::fprintf(stderr, "bench_state_reads: %s\n", read.error().c_str()), 1;
  std::printf("%zu authorizations, %zu segments, %zu account states, %zu holdings, %zu queries\n", prefixes.size(),
              segments, accounts.size(), holdings.size(), queries);
  if (prefixes.empty() || holdings.empty()) return std::fprintf(stderr, "nothing to query\n"), 1;

  std::mt19937_64 rng(1);
  std::vector<Resource> ranges;
  for (size_t i = 0; i < queries; ++i) {
    if (i % 2 == 0) {
      ranges.push_back(prefixes[rng() % prefixes.size()]);
    } else {
      const Holding& h = holdings[rng() % holdings.size()];
      if (h.range.family == Family::asn) {
        --i;
        continue;
      }
      ranges.push_back(h.range);
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
  std::vector<double> disk_at, memory_at, disk_range, memory_range, disk_account, memory_account;
  size_t in_range = 0;
  for (const Resource& r : ranges) {
    const u128 point = r.first + (r.last - r.first) / 2;
    auto t = Clock::now();
    auto a = disk_segments.containing(r.family, point);
    disk_at.push_back(micros_since(t));
    t = Clock::now();
    auto b = memory_segments.containing(r.family, point);
    memory_at.push_back(micros_since(t));
    if (a != b) return std::fprintf(stderr, "the segments at %s differ\n", r.to_string().c_str()), 1;
    std::vector<Segment> x, y;
    auto collect = [&](std::vector<Segment>& out) {
      return [&out, &r](const Segment& s) {
        if (s.range.first > r.last) return false;
        out.push_back(s);
        return true;
      };
    };
    t = Clock::now();
    disk_segments.scan(r.family, r.first, collect(x));
    disk_range.push_back(micros_since(t));
    t = Clock::now();
    memory_segments.scan(r.family, r.first, collect(y));
    memory_range.push_back(micros_since(t));
    if (x != y) return std::fprintf(stderr, "the segments of %s differ\n", r.to_string().c_str()), 1;
    in_range += x.size();
  }
  // Half of them an account with a state (one that has signed), half a
  // holder (at a genesis, none has signed yet).
  for (size_t i = 0; i < ranges.size(); ++i) {
    const AccountId a = i % 2 == 0 && !accounts.empty() ? accounts[rng() % accounts.size()]
                                                        : holdings[rng() % holdings.size()].holder;
    auto t = Clock::now();
    auto x = disk_accounts.find(a);
    disk_account.push_back(micros_since(t));
    t = Clock::now();
    auto y = memory_accounts.find(a);
    memory_account.push_back(micros_since(t));
    if (x != y) return std::fprintf(stderr, "the states of %s differ\n", a.to_string().c_str()), 1;
  }
  std::printf("%.1f authorizations overlap a query and %.1f segments cover it, on average\n",
              double(found) / double(ranges.size()), double(in_range) / double(ranges.size()));
  report("authorization overlap (lapse rule)", disk_overlap, memory_overlap);
  report("authorization by key", disk_find, memory_find);
  report("segment holding a number", disk_at, memory_at);
  report("segments of a range", disk_range, memory_range);
  report("account state by account", disk_account, memory_account);
  if (accounts.empty()) std::printf("(no account has a state yet: every account lookup found none)\n");
  return 0;
}
