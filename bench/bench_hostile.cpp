// A 4-validator numledgerd testnet under a steady paced load, first alone,
// then while the attacks of whitepaper/security.md run at once from
// 127.0.0.2 (not a test). It prints the committed rate under attack as a
// ratio of the rate without (target >= 0.5), the peak RSS of each node
// (target < 512 MiB) and how long a fresh observer takes to catch up after
// the attack. The attacks:
//   - validator0 HTTP: 600 silent sockets, reopened every second;
//   - validator1 HTTP: 30 slow headers (a byte every 500 ms);
//   - validator0 /p2p: 16 peers with fresh keys asking get_blocks 1-64
//     without reading (a small receive buffer);
//   - validator2 /p2p: 64 fake observers that handshake and stay silent;
//   - validator3 /p2p: a peer relaying rule-invalid, validly signed
//     transactions in txs frames, with a fresh key whenever it is banned.
// Run: build/bench_hostile [--seconds D] [--rate R] [--repeats N]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_testnet_net.h"
#include "bench/bench_usage.h"
#include "ledger/transaction.h"
#include "node/client/http_client.h"
#include "tests/support/attacker_sockets.h"
#include "tests/support/hostile_p2p_peer.h"

using namespace nl;
using nlohmann::json;
using nl::bench::Clock;
using nl::bench::CommitWatcher;
using nl::bench::die;
using nl::bench::seconds_since;
using nl::bench::Testnet;

namespace {

const char* kUsage =
    "usage: bench_hostile [--seconds D] [--rate R] [--repeats N]\n"
    "  A 4-validator loopback testnet commits R delegations a second (default 1000) for D seconds (default 20)\n"
    "  without attack, then D seconds while every attack runs at once from 127.0.0.2; prints the committed\n"
    "  rate ratio, peak RSS per node and a fresh observer's catch-up time. N repeats (default 3), medians.\n";
const char* kChain = "bench-hostile";
ledger::Transaction sign(const crypto::Hash32& genesis, const crypto::SecretKey& key, ledger::TxBody body,
                         uint64_t nonce) {
  return bench::sign_tx(kChain, genesis, key, std::move(body), nonce);
}

// The j-th /30 of 10.holder.0.0/16 (16,384 of them).
ledger::TxBody slash30(unsigned holder, unsigned j, const crypto::PublicKey& to) {
  if (j >= 16384) die("more than 16,384 delegations from one holder: lower --seconds or --rate");
  const ledger::u128 first = (ledger::u128(10) << 24) | (ledger::u128(holder) << 16) | ledger::u128(j * 4);
  return ledger::DelegateBody{ledger::Resource{ledger::Family::ipv4, first, first + 3}, ledger::AccountId{to},
                              ledger::HoldingKind::allocation, 0};
}

struct Options {
  double seconds = 20, rate = 1000;
  size_t repeats = 3;
};

// Holders 1..8 each get 10.k.0.0/16 from the root, then sign /30s of it.
class Load {
 public:
  Load(const Testnet& net) : net_(net) {
    auto root = net.root();
    for (unsigned k = 1; k <= kHolders; ++k) {
      holders_.push_back(crypto::SecretKey::generate());
      ledger::TxBody all = ledger::DelegateBody{
          ledger::Resource{ledger::Family::ipv4, (ledger::u128(10) << 24) | (ledger::u128(k) << 16),
                           (ledger::u128(10) << 24) | (ledger::u128(k) << 16) | 0xffff},
          ledger::AccountId{holders_.back().public_key()}, ledger::HoldingKind::allocation, 0};
      auto r = node::http_request(net.url(0), "POST", "/api/v1/tx",
                                  json{{"tx", to_hex(sign(net.genesis_hash(), root, all, k).encode())}}.dump(), std::chrono::seconds(60));
      if (!r.ok() || r->status != 200) die("setup: " + (r.ok() ? r->body : r.error()));
    }
    used_.assign(kHolders, 0);
  }
  // Submits `rate` a second for `seconds`, holder k to validator k % 4.
  size_t run(double rate, double seconds) {
    std::atomic<size_t> accepted{0};
    std::vector<std::thread> threads;
    const auto t0 = Clock::now();
    for (unsigned k = 0; k < kHolders; ++k)
      threads.emplace_back([&, k] {
        node::HttpClient client(net_.url(k % 4));
        const double each = rate / kHolders;
        for (size_t i = 0;; ++i) {
          auto due = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(i / each));
          if (std::chrono::duration<double>(due - t0).count() >= seconds) break;
          std::this_thread::sleep_until(due);
          const unsigned j = used_[k]++;
          auto tx = sign(net_.genesis_hash(), holders_[k], slash30(k + 1, j, to_), j + 1);
          // A nonce given up would leave a gap that holds back every later
          // one: retry a busy node (503) until it takes it.
          for (;;) {
            auto r = client.request("POST", "/api/v1/tx", json{{"tx", to_hex(tx.encode())}, {"wait", false}}.dump(),
                                    std::chrono::seconds(30));
            if (r.ok() && r->status == 503) {
              ++retries_;
              std::this_thread::sleep_for(std::chrono::milliseconds(20));
              continue;
            }
            if (r.ok() && (r->status == 202 || r->status == 200)) ++accepted;
            else die("submit: " + (r.ok() ? std::to_string(r->status) + " " + r->body : r.error()));
            break;
          }
        }
      });
    for (auto& t : threads) t.join();
    return accepted;
  }
  size_t retries() const { return retries_; }

 private:
  static constexpr unsigned kHolders = 8;
  std::atomic<size_t> retries_{0};
  const Testnet& net_;
  std::vector<crypto::SecretKey> holders_;
  std::vector<unsigned> used_;
  crypto::PublicKey to_ = crypto::SecretKey::generate().public_key();
};

// Every attack of the header, until stop() or destruction.
class Attacks {
 public:
  Attacks(const Testnet& net, std::string chain, crypto::Hash32 genesis)
      : net_(net), chain_(std::move(chain)), genesis_(genesis) {
    test::raise_own_fd_limit();
    threads_.emplace_back([this] { silent_http(port(0)); });
    threads_.emplace_back([this] { slow_headers(port(1)); });
    for (int i = 0; i < 16; ++i) threads_.emplace_back([this] { blocks_without_reading(port(0)); });
    threads_.emplace_back([this] { fake_observers(port(2)); });
    threads_.emplace_back([this] { junk_relay(port(3)); });
  }
  ~Attacks() { stop(); }
  void stop() {
    running_ = false;
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }
  // What the attackers got through, so a run shows the attacks were real.
  std::string tally() const {
    return std::to_string(http_sockets_.load()) + " silent HTTP sockets opened, " + std::to_string(p2p_sessions_.load()) +
           " p2p handshakes completed (" + std::to_string(fake_observers_.load()) + " fake observers open on the attacker's side at most), " +
           std::to_string(get_blocks_.load()) + " get_blocks sent unread, " + std::to_string(junk_frames_.load()) +
           " junk txs frames sent with " + std::to_string(junk_keys_.load()) + " keys";
  }

 private:
  int port(size_t i) const { return std::stoi(net_.url(i).substr(net_.url(i).rfind(':') + 1)); }
  void nap(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }
  void silent_http(int p) {
    while (running_) {
      test::SocketSet s;
      s.open(test::kAttacker, p, 600);
      http_sockets_ += s.fds.size();
      for (int i = 0; i < 10 && running_; ++i) nap(100);
    }
  }
  void slow_headers(int p) {
    test::SocketSet s;
    s.open(test::kAttacker, p, 30);
    s.send_each("GET /api/v1/status HTTP/1.1\r\n");
    while (running_) {
      s.send_each("X");
      nap(500);
      if (s.still_open(std::chrono::milliseconds(0)) < 30) {
        s.close_all();
        s.open(test::kAttacker, p, 30);
        s.send_each("GET /api/v1/status HTTP/1.1\r\n");
      }
    }
  }
  std::unique_ptr<test::HostileP2pPeer> peer(int p, int rcvbuf) {
    auto h = std::make_unique<test::HostileP2pPeer>(p, test::kAttacker, crypto::SecretKey::generate(), rcvbuf);
    if (h->open() || !h->handshake(chain_, genesis_)) return nullptr;
    ++p2p_sessions_;
    return h;
  }
  void blocks_without_reading(int p) {
    while (running_) {
      auto h = peer(p, 4096);
      if (!h) {
        nap(200);
        continue;
      }
      while (running_ && !h->send(node::p2p::encode(node::p2p::GetBlocks{1, node::p2p::kMaxBlocksPerRequest}))) {
        ++get_blocks_;
        nap(5);
      }
    }
  }
  void fake_observers(int p) {
    std::vector<std::unique_ptr<test::HostileP2pPeer>> held;
    while (running_) {
      if (held.size() < 64)
        if (auto h = peer(p, 0)) held.push_back(std::move(h));
      fake_observers_ = std::max(fake_observers_.load(), held.size());
      nap(held.size() < 64 ? 10 : 500);
    }
  }
  void junk_relay(int p) {
    while (running_) {
      auto h = peer(p, 0);
      if (!h) {
        nap(200);
        continue;
      }
      ++junk_keys_;
      while (running_) {
        node::p2p::TxsMessage junk;
        auto k = crypto::SecretKey::generate();
        for (int i = 0; i < 64; ++i)  // delegations of space nobody gave this key
          junk.txs.push_back(sign(genesis_, k, slash30(200, static_cast<unsigned>(i), k.public_key()), 1));
        if (h->send(node::p2p::encode(junk))) break;  // banned: a fresh key
        ++junk_frames_;
        nap(50);
      }
    }
  }
  const Testnet& net_;
  const std::string chain_;
  const crypto::Hash32 genesis_;
  std::atomic<bool> running_{true};
  std::atomic<size_t> http_sockets_{0}, p2p_sessions_{0}, fake_observers_{0}, get_blocks_{0}, junk_frames_{0},
      junk_keys_{0};
  std::vector<std::thread> threads_;
};

// The peak VmRSS of each validator while alive.
class RssPeaks {
 public:
  explicit RssPeaks(const Testnet& net) : net_(net), peaks_(4, 0) {
    thread_ = std::thread([this] {
      while (running_) {
        for (size_t i = 0; i < 4; ++i) peaks_[i] = std::max(peaks_[i], net_.rss_mib(net_.names()[i]));
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    });
  }
  std::vector<double> stop() {
    running_ = false;
    thread_.join();
    return peaks_;
  }

 private:
  const Testnet& net_;
  std::vector<double> peaks_;
  std::atomic<bool> running_{true};
  std::thread thread_;
};

struct Repeat {
  double base_rate = 0, attack_rate = 0, catch_up_s = 0, peak_rss = 0;
};

Repeat one_repeat(const Options& o) {
  Testnet net(1, "1", kChain);
  net.start({"validator0", "validator1", "validator2", "validator3"});
  net.wait_height(0, 1, 60);
  Load load(net);
  auto st = node::http_request(net.url(0), "GET", "/api/v1/status", "", std::chrono::seconds(5));
  if (!st.ok()) die("status: " + st.error());
  auto genesis = crypto::Hash32::from_hex(json::parse(st->body)["genesis_hash"].get<std::string>());
  if (!genesis) die("no genesis hash in the status");

  Repeat r;
  RssPeaks rss(net);
  for (int phase = 0; phase < 2; ++phase) {
    CommitWatcher w(net, net.height(0).value_or(0));
    std::unique_ptr<Attacks> attacks;
    if (phase == 1) attacks = std::make_unique<Attacks>(net, kChain, *genesis);
    const auto t0 = Clock::now();
    const size_t accepted = load.run(o.rate, o.seconds);
    // What the window committed, counted up to a grace of 5 s after it.
    while (w.seen() < accepted && seconds_since(t0) < o.seconds + 5) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    (phase == 0 ? r.base_rate : r.attack_rate) = static_cast<double>(w.seen()) / seconds_since(t0);
    std::printf("  %s: %zu submitted, %zu committed, %zu busy answers retried so far\n",
                phase == 0 ? "without attack" : "under attack", accepted, w.seen(), load.retries());
    if (attacks) {
      attacks->stop();
      std::printf("  attacks: %s\n", attacks->tally().c_str());
    }
  }
  const auto peaks = rss.stop();
  r.peak_rss = *std::max_element(peaks.begin(), peaks.end());
  std::printf("  peak RSS per validator:");
  for (double p : peaks) std::printf(" %.0f", p);
  std::printf(" MiB\n");
  const uint64_t tip = net.height(0).value_or(0);
  const auto t0 = Clock::now();
  net.start({"observer0"});
  net.wait_height(4, tip, 300);
  r.catch_up_s = seconds_since(t0);
  return r;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  bench::handle_help(argc, argv, kUsage);
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) bench::usage_error(("missing value after " + a).c_str(), kUsage);
    const auto v = bench::parse_count(argv[++i], kUsage);
    if (a == "--seconds" && v > 0) o.seconds = static_cast<double>(v);
    else if (a == "--rate" && v > 0) o.rate = static_cast<double>(v);
    else if (a == "--repeats" && v > 0) o.repeats = v;
    else bench::usage_error(("unknown or zero argument " + a).c_str(), kUsage);
  }
  crypto::init();
  std::printf("bench_hostile: 4 validators on loopback, %.0f tx/s offered for %.0f s without and with attack\n",
              o.rate, o.seconds);
  std::vector<double> ratio, rss, catch_up;
  for (size_t i = 0; i < o.repeats; ++i) {
    Repeat r = one_repeat(o);
    std::printf("repeat %zu: committed %.0f tx/s without attack, %.0f with (ratio %.2f); peak RSS %.0f MiB; "
                "fresh observer caught up in %.2f s\n",
                i + 1, r.base_rate, r.attack_rate, r.attack_rate / r.base_rate, r.peak_rss, r.catch_up_s);
    std::fflush(stdout);
    ratio.push_back(r.attack_rate / r.base_rate);
    rss.push_back(r.peak_rss);
    catch_up.push_back(r.catch_up_s);
  }
  std::printf("median of %zu: ratio %.2f (target >= 0.5), peak RSS %.0f MiB (target < 512), catch-up %.2f s\n",
              o.repeats, median(ratio), median(rss), median(catch_up));
  return 0;
}
