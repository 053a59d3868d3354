// ROA-to-router time (not a test): how long from a holder's `authorize` to
// the payload in a real router's ROA table. A 4-validator numledgerd
// testnet on 127.0.0.1 (the real binaries, through `numledger testnet`);
// validator0 serves RTR; a real BIRD 2 (bird -f, its own config, socket
// and log in a temporary directory) is its RTR client. Each authorization
// is by its own holder (a /16 the root delegated to it) for its /24, and
// is timed step by step:
//   submit  POST /api/v1/tx until the node accepted it;
//   commit  until a poller on validator0 sees the block that holds it;
//   notify  until a second RTR client beside BIRD receives the Serial
//           Notify whose delta carries it (the node sends it);
//   query   until BIRD sends the query that fetched it (BIRD's log, ms);
//   table   until the entry shows in `show route table r4` (polled every
//           5 ms over BIRD's control socket, as birdc does).
// Without --window, one authorization at a time, the next a random 0-1 s
// after BIRD holds the last (so that each meets the node's 200 ms poll of
// the chain, RtrOptions::poll_interval, at a random phase). With --window S, they are submitted at uniformly random times
// over S seconds, so each meets the router's refresh timer at a random
// phase: what a refresh-driven router (--no-notify) gives on average.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_testnet_net.h"
#include "bench/bench_usage.h"
#include "bench/rtr_notify_watch.h"
#include "tests/support/bird_router.h"

using namespace nl;
using nlohmann::json;
using SysClock = std::chrono::system_clock;
using SysTime = SysClock::time_point;

namespace {

const char* kUsage =
    "usage: bench_roa_to_router [--authorizations N] [--notify-interval MS | --no-notify] [--refresh S]\n"
    "                           [--retry S] [--window S] [--block-interval S] [--json]\n"
    "  --authorizations N   how many (default 100, at most 250)\n"
    "  --notify-interval MS the node's least gap between two Serial Notify PDUs to one router\n"
    "                       (default 0: at once; RFC 8210 asks for one a minute, 60000)\n"
    "  --no-notify          the node sends no Serial Notify: BIRD sees changes at its refresh only\n"
    "  --refresh S          BIRD's refresh interval, `refresh keep` (default 3600, numledgerd's default; min 1)\n"
    "  --retry S            BIRD's retry interval (default 600; min 1)\n"
    "  --window S           submit at random times over S seconds, not one after another\n"
    "  --block-interval S   the testnet's --block-interval (default 2, numledgerd's default)\n"
    "  --json               one JSON object with every sample and the summary\n"
    "BIRD (Debian bird2) must be installed: scripts/install-deps.sh.\n";

struct Options {
  size_t count = 100;
  long notify_interval_ms = 0;
  bool notify = true;
  unsigned refresh = 3600, retry = 600;
  double window = 0;
  std::string block_interval = "2";
  bool json = false;
};

struct Sample {
  std::string key, id;
  SysTime submitted, accepted, committed, table;
  std::optional<SysTime> notified, queried;
};

double ms(SysTime a, SysTime b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5));
  return v[i];
}

Options parse(int argc, char** argv) {
  bench::handle_help(argc, argv, kUsage);
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string f = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) bench::usage_error((f + " needs a value").c_str(), kUsage);
      return argv[++i];
    };
    if (f == "--authorizations") o.count = bench::parse_count(value(), kUsage);
    else if (f == "--notify-interval") o.notify_interval_ms = static_cast<long>(bench::parse_count(value(), kUsage));
    else if (f == "--no-notify") o.notify = false;
    else if (f == "--refresh") o.refresh = static_cast<unsigned>(bench::parse_count(value(), kUsage));
    else if (f == "--retry") o.retry = static_cast<unsigned>(bench::parse_count(value(), kUsage));
    else if (f == "--window") o.window = static_cast<double>(bench::parse_count(value(), kUsage));
    else if (f == "--block-interval") o.block_interval = value();
    else if (f == "--json") o.json = true;
    else bench::usage_error(("unknown flag " + f).c_str(), kUsage);
  }
  if (o.count == 0 || o.count > 250) bench::usage_error("--authorizations must be 1-250", kUsage);
  if (o.refresh < 1 || o.retry < 1) bench::usage_error("BIRD's least refresh and retry are 1 s", kUsage);
  if (o.notify_interval_ms > 3600000) bench::usage_error("--notify-interval is at most 3600000", kUsage);
  return o;
}

// Polls BIRD's r4 every 5 ms and notes when each entry first shows.
class TablePoller {
 public:
  explicit TablePoller(const test::BirdRouter& bird) : bird_(bird) { thread_ = std::thread([this] { loop(); }); }
  ~TablePoller() {
    running_ = false;
    thread_.join();
  }
  std::optional<SysTime> seen(const std::string& key) const {
    std::lock_guard lk(mu_);
    auto it = at_.find(key);
    if (it == at_.end()) return std::nullopt;
    return it->second;
  }
  std::string error() const {
    std::lock_guard lk(mu_);
    return error_;
  }

 private:
  void loop() {
    while (running_) {
      auto t = bird_.roa_table("r4");
      const auto now = SysClock::now();
      {
        std::lock_guard lk(mu_);
        if (!t) error_ = t.error();
        else
          for (const auto& e : *t)
            at_.emplace(e.prefix + "-" + std::to_string(e.max_length) + " AS" + std::to_string(e.asn), now);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  const test::BirdRouter& bird_;
  std::atomic<bool> running_{true};
  mutable std::mutex mu_;
  std::map<std::string, SysTime> at_;
  std::string error_;
  std::thread thread_;
};

struct Holder {
  crypto::SecretKey key;
  ledger::Resource prefix;  // its /24
  uint32_t asn = 0;
};

// The root gives holder k 10.k.0.0/16; each will authorize 10.k.0.0/24.
std::vector<Holder> make_holders(const bench::Testnet& net, const char* chain, size_t count) {
  auto root = net.root();
  std::vector<Holder> out;
  for (size_t k = 0; k < count; ++k) {
    Holder h{crypto::SecretKey::generate(), {}, static_cast<uint32_t>(64512 + k)};
    h.prefix = ledger::Resource{ledger::Family::ipv4, bench::ipv4(k, 0, 0), bench::ipv4(k, 0, 255)};
    auto tx = bench::sign_tx(chain, net.genesis_hash(), root,
                             bench::delegation(bench::ipv4(k, 0, 0), bench::ipv4(k, 255, 255), h.key.public_key()), k + 1);
    auto r = node::http_request(net.url(0), "POST", "/api/v1/tx", bench::body_of(tx, k + 1 == count),
                                std::chrono::seconds(60));
    if (!r.ok() || (r->status != 202 && r->status != 200))
      bench::die("setup delegation " + std::to_string(k) + ": " + (r.ok() ? r->body : r.error()));
    out.push_back(std::move(h));
  }
  return out;
}

// The last query BIRD sent at or before `t` (its log has ms resolution,
// so the query's own millisecond counts).
std::optional<SysTime> query_before(const std::vector<test::BirdLogLine>& queries, SysTime t) {
  std::optional<SysTime> best;
  for (const auto& q : queries)
    if (q.at <= t && (!best || q.at > *best)) best = q.at;
  return best;
}

struct Step {
  const char* name;
  std::vector<double> v;
};

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  if (auto m = test::bird_missing(); !m.empty()) bench::die(m);
  const char* chain = "bench-roa";
  bench::Testnet net(0, o.block_interval, chain);
  const unsigned rtr_port = static_cast<unsigned>(test::free_port());
  {
    std::ofstream toml(net.dir() + "/validator0/numledgerd.toml", std::ios::app);
    toml << "rtr-listen = \"127.0.0.1:" << rtr_port << "\"\n";
    if (o.notify) toml << "rtr-notify-interval = " << o.notify_interval_ms << "\n";
    else toml << "rtr-no-notify = true\n";
  }
  net.start({});
  auto holders = make_holders(net, chain, o.count);

  test::BirdRouter bird;
  if (auto s = bird.start({rtr_port, o.refresh, o.retry, std::max(600u, 2 * std::max(o.refresh, o.retry))}); !s)
    bench::die(s.error());
  bench::RtrNotifyWatch watch(rtr_port);
  // BIRD is in sync once its session is up and its first End of Data is in.
  for (int i = 0; !watch.synced() || bird.log_lines("End of Data").empty(); ++i) {
    if (i > 1000) bench::die("BIRD did not sync with the cache within 10 s:\n" + bird.log() + watch.error());
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }

  const auto steady0 = bench::Clock::now();
  const auto sys0 = SysClock::now();
  auto to_sys = [&](bench::Clock::time_point t) {
    return sys0 + std::chrono::duration_cast<SysClock::duration>(t - steady0);
  };
  bench::CommitWatcher commits(net, net.height(0).value_or(0));
  TablePoller table(bird);

  // Submission times: one after another (0 offsets, each waits for BIRD),
  // or uniformly random over the window.
  std::vector<double> offsets(o.count, 0.0);
  std::mt19937_64 rng(std::random_device{}());
  if (o.window > 0) {
    std::uniform_real_distribution<double> u(0, o.window);
    for (auto& x : offsets) x = u(rng);
    std::sort(offsets.begin(), offsets.end());
  }
  const double limit_s = o.window + (o.notify ? 60.0 + o.notify_interval_ms / 1000.0 : o.refresh + o.retry + 60.0);
  std::vector<Sample> samples(o.count);
  const auto start = SysClock::now();
  for (size_t k = 0; k < o.count; ++k) {
    auto& h = holders[k];
    auto& s = samples[k];
    s.key = bench::roa_key(h.prefix, 24, h.asn);
    auto tx = bench::sign_tx(chain, net.genesis_hash(), h.key, ledger::AuthorizeBody{h.prefix, 24, h.asn}, 1);
    s.id = tx.id().hex();
    if (o.window > 0)
      std::this_thread::sleep_until(start + std::chrono::duration_cast<SysClock::duration>(
                                                std::chrono::duration<double>(offsets[k])));
    else  // a random pause, so that each meets the node's 200 ms RTR poll at a random phase
      std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 1000)(rng)));
    s.submitted = SysClock::now();
    auto r = node::http_request(net.url(0), "POST", "/api/v1/tx", bench::body_of(tx, false), std::chrono::seconds(30));
    s.accepted = SysClock::now();
    if (!r.ok() || (r->status != 202 && r->status != 200))
      bench::die("authorize " + s.key + ": " + (r.ok() ? r->body : r.error()));
    if (o.window > 0) continue;
    while (!table.seen(s.key)) {
      if (ms(s.submitted, SysClock::now()) > limit_s * 1000)
        bench::die(s.key + " did not reach BIRD's table; " + table.error() + "\nBIRD log:\n" + bird.log());
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  // Everything in: BIRD holds every entry (window mode waits here).
  for (size_t k = 0; k < o.count; ++k)
    while (!table.seen(samples[k].key)) {
      if (ms(start, SysClock::now()) > limit_s * 1000)
        bench::die(samples[k].key + " did not reach BIRD's table; " + table.error());
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the last notifies' queries are logged

  auto queries = bird.log_lines("Sending Serial Query");
  for (auto& q : bird.log_lines("Sending Reset Query")) queries.push_back(q);
  std::vector<Step> steps = {{"submit", {}}, {"commit", {}}, {"notify", {}}, {"query", {}}, {"table", {}}};
  std::vector<double> total;
  size_t missing_commit = 0, missing_notify = 0, missing_query = 0;
  json rows = json::array();
  for (auto& s : samples) {
    s.table = *table.seen(s.key);
    auto c = commits.committed(s.id);
    if (!c) ++missing_commit;
    s.committed = c ? to_sys(*c) : s.accepted;
    s.notified = watch.notified(s.key);
    if (o.notify && !s.notified) ++missing_notify;
    s.queried = query_before(queries, s.table);
    if (!s.queried) ++missing_query;
    // Each boundary is the later of its own time and the one before, so
    // that two pollers' jitter cannot make a step negative.
    SysTime b1 = s.accepted, b2 = std::max(s.committed, b1);
    SysTime b3 = o.notify && s.notified ? std::max(*s.notified, b2) : b2;
    SysTime b4 = s.queried ? std::clamp(*s.queried, b3, std::max(b3, s.table)) : b3;
    SysTime b5 = std::max(s.table, b4);
    const double v[] = {ms(s.submitted, b1), ms(b1, b2), ms(b2, b3), ms(b3, b4), ms(b4, b5)};
    for (size_t i = 0; i < 5; ++i) steps[i].v.push_back(v[i]);
    total.push_back(ms(s.submitted, b5));
    // The raw times too, ms after the first submission could start.
    auto at = [&](std::optional<SysTime> t) { return t ? json(ms(start, *t)) : json(nullptr); };
    rows.push_back({{"roa", s.key}, {"submit_ms", v[0]}, {"commit_ms", v[1]}, {"notify_ms", v[2]},
                    {"query_ms", v[3]}, {"table_ms", v[4]}, {"total_ms", total.back()},
                    {"at", {{"submitted", at(s.submitted)}, {"committed", at(s.committed)},
                            {"notified", at(s.notified)}, {"queried", at(s.queried)}, {"table", at(s.table)}}}});
  }

  double mean_total = 0;
  for (double x : total) mean_total += x / static_cast<double>(total.size());
  json summary = {{"authorizations", o.count},
                  {"notify", o.notify ? json(o.notify_interval_ms) : json("off")},
                  {"bird_refresh_s", o.refresh},
                  {"window_s", o.window},
                  {"block_interval_s", o.block_interval},
                  {"bird_version", test::run({test::kBird, "--version"}).err},
                  {"total_ms", {{"p50", percentile(total, 0.5)}, {"p99", percentile(total, 0.99)},
                                {"mean", mean_total}, {"max", percentile(total, 1.0)}}},
                  {"serial_notifies_seen", watch.notifies()},
                  {"unmatched", {{"commit", missing_commit}, {"notify", missing_notify}, {"query", missing_query}}}};
  for (auto& st : steps) {
    double mean = 0;
    for (double x : st.v) mean += x / static_cast<double>(st.v.size());
    summary["steps"][st.name] = {{"p50", percentile(st.v, 0.5)}, {"p99", percentile(st.v, 0.99)},
                                 {"mean", mean}, {"share", mean_total > 0 ? mean / mean_total : 0}};
  }
  if (o.json) {
    std::printf("%s\n", json{{"summary", summary}, {"samples", rows}}.dump(1).c_str());
    return 0;
  }
  std::printf("ROA-to-router: %zu authorizations, notify %s, BIRD refresh %u s, %s\n", o.count,
              o.notify ? (std::to_string(o.notify_interval_ms) + " ms apart at most").c_str() : "off", o.refresh,
              o.window > 0 ? ("random over " + std::to_string(static_cast<int>(o.window)) + " s").c_str()
                           : "one after another");
  std::printf("%-8s %12s %12s %12s %8s\n", "step", "p50 ms", "p99 ms", "mean ms", "share");
  for (auto& st : steps) {
    const auto& j = summary["steps"][st.name];
    std::printf("%-8s %12.1f %12.1f %12.1f %7.1f%%\n", st.name, j["p50"].get<double>(), j["p99"].get<double>(),
                j["mean"].get<double>(), 100 * j["share"].get<double>());
  }
  std::printf("%-8s %12.1f %12.1f %12.1f %7.1f%%\n", "total", percentile(total, 0.5), percentile(total, 0.99),
              mean_total, 100.0);
  std::printf("serial notifies seen by the observer: %zu; unmatched: commit %zu, notify %zu, query %zu\n",
              watch.notifies(), missing_commit, missing_notify, missing_query);
  return 0;
}
