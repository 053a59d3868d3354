// The fault plan applied to each frame: decided under one lock (the plan,
// the random source, who each peer is, the counters), then sent outside it;
// delayed frames wait on timers of the transport's strand.
#include "node/transport/fault_transport.h"

#include <sodium.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <random>
#include <deque>

#include "consensus/message.h"
#include "node/transport/seen_digests.h"
#include "node/log/node_log.h"

namespace nl::node {

namespace {
using Clock = std::chrono::steady_clock;

uint64_t random_seed() {
  uint64_t s = 0;
  randombytes_buf(&s, sizeof s);
  return s;
}

uint64_t ms(Clock::duration d) {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
}
}  // namespace

struct FaultTransport::Impl : std::enable_shared_from_this<FaultTransport::Impl> {
  using Timer = boost::asio::steady_timer;
  struct Handlers {
    OnMessage on_message;
    OnPeer on_peer;
  };
  // One frame to one peer, after the plan was applied.
  struct Route {
    PeerId peer;
    std::optional<crypto::PublicKey> key;  // none: a peer this transport has not seen connect
    int copies;
    std::optional<Clock::time_point> due;  // none: now
  };

  Impl(boost::asio::io_context& ioc, Transport& in, FaultTransportOptions o)
      : inner(in), opts(std::move(o)), strand(boost::asio::make_strand(ioc)), poll_timer(strand), rng(random_seed()) {}

  Transport& inner;
  const FaultTransportOptions opts;
  boost::asio::strand<boost::asio::io_context::executor_type> strand;
  Timer poll_timer;  // strand only
  std::atomic<bool> stopped{false};
  std::atomic<bool> started{false};
  std::atomic<bool> no_faults{true};  // the fast path: frames pass untouched
  std::atomic<std::shared_ptr<const Handlers>> handlers{std::make_shared<const Handlers>()};
  SeenDigests twinned{4096};  // own votes that got a twin
  SeenDigests twins{4096};    // the twins: dropped when peers echo them back

  mutable std::mutex mu;  // guards what follows
  FaultPlan plan;
  std::mt19937_64 rng;
  std::map<PeerId, crypto::PublicKey> keys;   // connected peers
  std::map<PeerId, Clock::time_point> last_due;  // frames to one peer keep their order
  std::map<crypto::PublicKey, LinkStats> link_stats;

  // Delayed frames, per peer in the order they were sent, one timer for
  // the first of each queue (strand only).
  struct Delayed {
    Route route;
    std::shared_ptr<const p2p::P2pMessage> m;
    Clock::time_point queued_at;
  };
  struct Link {
    std::deque<Delayed> queue;
    std::unique_ptr<Timer> timer;  // set while armed
  };
  std::map<PeerId, Link> links;
  std::atomic<size_t> delayed_now{0};  // frames in the queues

  // --- plan file (strand only)
  std::optional<std::pair<std::filesystem::file_time_type, uintmax_t>> file_seen;
  std::string file_text;
  bool file_missing_logged = false;
  Clock::time_point last_report = Clock::now();
  std::map<crypto::PublicKey, LinkStats> reported;

  void log(const std::string& what) const {
    const std::string line = "numledgerd: fault plan: " + what;
    if (opts.log)
      opts.log(line);
    else
      logging::info("fault plan: " + what);
  }

  void set_plan(FaultPlan p) {
    if (p.seed) {
      std::lock_guard lock(mu);
      rng.seed(*p.seed);
    }
    bool equivocates = p.all.equivocate;
    for (const auto& [k, f] : p.peers) equivocates = equivocates || f.equivocate;
    if (equivocates && !opts.validator_key) log("equivocate has no effect: this node is not a validator");
    const bool none = p.empty();
    {
      std::lock_guard lock(mu);
      plan = std::move(p);
    }
    no_faults = none;
  }

  // A twin for `m` when it is this validator's vote seen here for the
  // first time and some link equivocates.
  std::optional<p2p::P2pMessage> twin_of(const p2p::P2pMessage& m) {
    if (!opts.validator_key) return std::nullopt;
    const auto* c = std::get_if<p2p::ConsensusMessage>(&m);
    const auto* v = c ? std::get_if<ledger::SignedVote>(&c->msg) : nullptr;
    if (!v || v->validator != opts.validator_key->public_key()) return std::nullopt;
    {
      std::lock_guard lock(mu);
      bool any = plan.all.equivocate;
      for (const auto& [k, f] : plan.peers) any = any || f.equivocate;
      if (!any) return std::nullopt;
    }
    if (!twinned.insert(crypto::sha256(consensus::encode_message(c->msg)))) return std::nullopt;
    crypto::Hash32 other;
    randombytes_buf(other.b.data(), other.b.size());
    consensus::Message twin =
        ledger::SignedVote::make(opts.genesis_hash, v->height, v->round, v->type, other, *opts.validator_key);
    twins.insert(crypto::sha256(consensus::encode_message(twin)));
    return p2p::P2pMessage{p2p::ConsensusMessage{std::move(twin)}};
  }

  // Decides each peer's fate under the plan; `twin_to` collects the peers
  // that also get a twin.
  std::vector<Route> plan_routes(const std::vector<PeerId>& peers, std::vector<PeerId>* twin_to) {
    std::vector<Route> out;
    const auto now = Clock::now();
    std::lock_guard lock(mu);
    for (PeerId id : peers) {
      auto k = keys.find(id);
      std::optional<crypto::PublicKey> key;
      if (k != keys.end()) key = k->second;
      const LinkFaults& f = key ? plan.for_peer(*key) : plan.all;
      LinkStats* st = key ? &link_stats[*key] : nullptr;
      if (st) ++st->frames;
      if (f.partition || (f.drop > 0 && std::uniform_real_distribution<double>(0, 1)(rng) < f.drop)) {
        if (st) ++st->dropped;
        continue;
      }
      if (f.duplicate && st) ++st->duplicated;
      if (f.equivocate && twin_to) twin_to->push_back(id);
      Route r{id, key, f.duplicate ? 2 : 1, std::nullopt};
      if (f.delayed()) {
        const int64_t jitter = f.jitter_ms;
        const int64_t d = std::max<int64_t>(
            0, f.delay_ms + (jitter ? std::uniform_int_distribution<int64_t>(-jitter, jitter)(rng) : 0));
        auto due = now + std::chrono::milliseconds(d);
        auto& last = last_due[id];
        if (due < last) due = last;
        last = due;
        if (delayed_now >= kMaxDelayedFrames) {
          if (st) ++st->dropped;
          continue;
        }
        r.due = due;
      }
      out.push_back(std::move(r));
    }
    return out;
  }

  void route(const std::vector<PeerId>& peers, const p2p::P2pMessage& m) {
    bool unknown = false;
    {
      std::lock_guard lock(mu);
      for (PeerId id : peers) unknown = unknown || !keys.count(id);
    }
    if (unknown) learn_peers(std::nullopt);
    auto twin = twin_of(m);
    std::vector<PeerId> twin_to;
    deliver(plan_routes(peers, twin ? &twin_to : nullptr), m);
    if (twin && !twin_to.empty()) {
      auto routes = plan_routes(twin_to, nullptr);
      std::lock_guard lock(mu);
      for (const Route& r : routes)
        if (r.key) ++link_stats[*r.key].twins;
      deliver(std::move(routes), *twin);
    }
  }

  void deliver(std::vector<Route> routes, const p2p::P2pMessage& m) {
    std::vector<PeerId> once, twice;
    std::shared_ptr<const p2p::P2pMessage> shared;
    const auto queued_at = Clock::now();
    for (Route& r : routes) {
      if (!r.due) {
        (r.copies == 2 ? twice : once).push_back(r.peer);
        continue;
      }
      if (!shared) shared = std::make_shared<const p2p::P2pMessage>(m);
      ++delayed_now;
      // Queued and timed on the strand, where stop() cancels them.
      boost::asio::post(strand, [self = shared_from_this(), r, shared, queued_at] {
        if (self->stopped) return;
        Link& link = self->links[r.peer];
        link.queue.push_back({r, shared, queued_at});
        if (!link.timer) self->arm(r.peer, link);
      });
    }
    if (!once.empty()) inner.send(once, m);
    if (!twice.empty()) {
      inner.send(twice, m);
      inner.send(twice, m);
    }
  }

  // Hands over what is due from the front of `peer`'s queue, in order, and
  // waits for the next.
  void arm(PeerId peer, Link& link) {
    link.timer = std::make_unique<Timer>(strand, *link.queue.front().route.due);
    link.timer->async_wait([self = shared_from_this(), peer](const boost::system::error_code& ec) {
      if (ec || self->stopped) return;
      auto it = self->links.find(peer);
      if (it == self->links.end()) return;
      Link& l = it->second;
      const auto now = Clock::now();
      while (!l.queue.empty() && *l.queue.front().route.due <= now) {
        Delayed d = std::move(l.queue.front());
        l.queue.pop_front();
        --self->delayed_now;
        if (d.route.key) {
          std::lock_guard lock(self->mu);
          LinkStats& st = self->link_stats[*d.route.key];
          const uint64_t took = ms(now - d.queued_at);
          st.delay_min_ms = st.delayed == 0 ? took : std::min(st.delay_min_ms, took);
          st.delay_max_ms = std::max(st.delay_max_ms, took);
          st.delay_sum_ms += took;
          ++st.delayed;
        }
        for (int i = 0; i < d.route.copies; ++i) self->inner.send(peer, *d.m);
      }
      if (l.queue.empty()) {
        self->links.erase(it);  // the timer goes with it, after this handler
      } else {
        self->arm(peer, l);
      }
    });
  }

  void on_message(const PeerInfo& p, p2p::P2pMessage m) {
    if (!no_faults) {
      {
        std::lock_guard lock(mu);
        if (plan.for_peer(p.key).partition) {
          ++link_stats[p.key].dropped;
          return;
        }
      }
      if (twins.size() > 0)
        if (const auto* c = std::get_if<p2p::ConsensusMessage>(&m);
            c && std::holds_alternative<ledger::SignedVote>(c->msg) &&
            twins.contains(crypto::sha256(consensus::encode_message(c->msg))))
          return;
    }
    auto h = handlers.load();
    if (h->on_message) h->on_message(p, std::move(m));
  }

  void on_peer(const PeerInfo& p, bool up) {
    {
      std::lock_guard lock(mu);
      if (up) {
        keys[p.id] = p.key;
      } else {
        keys.erase(p.id);
        last_due.erase(p.id);
      }
    }
    auto h = handlers.load();
    if (h->on_peer) h->on_peer(p, up);
  }

  // The inner transport's peers (it may have had some before this one
  // wrapped it), learned for the plan's per-key lookups.
  std::vector<PeerId> learn_peers(std::optional<PeerId> except) {
    std::vector<PeerId> out;
    const auto list = inner.peers();
    std::lock_guard lock(mu);
    for (const PeerInfo& p : list) {
      keys.emplace(p.id, p.key);
      if (p.id != except) out.push_back(p.id);
    }
    return out;
  }

  // --- the plan file and the counters, every poll_interval on the strand

  void poll() {
    if (stopped) return;
    if (!opts.plan_path.empty()) read_plan_file();
    if (Clock::now() - last_report >= opts.report_interval) report();
    poll_timer.expires_after(opts.poll_interval);
    poll_timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->poll();
    });
  }

  void read_plan_file();
  void report();
};

void FaultTransport::Impl::read_plan_file() {
  namespace fs = std::filesystem;
  std::error_code e1, e2;
  const auto mtime = fs::last_write_time(opts.plan_path, e1);
  const auto size = fs::file_size(opts.plan_path, e2);
  if (e1 || e2) {
    if (!file_missing_logged) log(opts.plan_path + ": cannot read (" + (e1 ? e1 : e2).message() + "); no faults");
    file_missing_logged = true;
    if (file_seen) set_plan({});
    file_seen.reset();
    file_text.clear();
    return;
  }
  file_missing_logged = false;
  if (file_seen && file_seen->first == mtime && file_seen->second == size) return;
  file_seen.emplace(mtime, size);
  if (size > kMaxPlanBytes)
    return log(opts.plan_path + ": " + std::to_string(size) + " bytes, over " + std::to_string(kMaxPlanBytes) +
               "; not read, the plan stays as it was");
  std::ifstream in(opts.plan_path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text == file_text) return;
  file_text = text;
  ParsedPlan parsed = parse_fault_plan(text);
  for (const auto& p : parsed.problems)
    log(opts.plan_path + ": line " + std::to_string(p.line) + ": " + p.reason + "; line ignored");
  const std::string now = describe(parsed.plan);
  set_plan(std::move(parsed.plan));
  log(opts.plan_path + ": " + now);
}

void FaultTransport::Impl::report() {
  last_report = Clock::now();
  std::vector<std::string> lines;
  {
    std::lock_guard lock(mu);
    for (const auto& [key, st] : link_stats) {
      LinkStats& before = reported[key];
      if (st.frames == before.frames && st.dropped == before.dropped && st.delayed == before.delayed) continue;
      before = st;
      std::string line = "to " + key.hex().substr(0, 16) + ": " + std::to_string(st.frames) + " frames, " +
                         std::to_string(st.dropped) + " dropped, " + std::to_string(st.duplicated) + " duplicated, " +
                         std::to_string(st.twins) + " twins, " + std::to_string(st.delayed) + " delayed";
      if (st.delayed > 0)
        line += " " + std::to_string(st.delay_min_ms) + "-" + std::to_string(st.delay_max_ms) + " ms (mean " +
                std::to_string(st.delay_sum_ms / st.delayed) + ")";
      lines.push_back(std::move(line));
    }
  }
  for (const auto& l : lines) log(l);
}

// --- public face ------------------------------------------------------------

FaultTransport::FaultTransport(boost::asio::io_context& ioc, Transport& inner, FaultTransportOptions opts)
    : impl_(std::make_shared<Impl>(ioc, inner, std::move(opts))) {
  std::weak_ptr<Impl> weak = impl_;
  inner.set_handlers(
      [weak](const PeerInfo& p, p2p::P2pMessage m) {
        if (auto self = weak.lock()) self->on_message(p, std::move(m));
      },
      [weak](const PeerInfo& p, bool up) {
        if (auto self = weak.lock()) self->on_peer(p, up);
      });
}

FaultTransport::~FaultTransport() { stop(); }

void FaultTransport::start() {
  if (impl_->started.exchange(true)) return;
  // Read at once, so that no frame goes out before the plan applies; the
  // strand runs nothing of this transport's yet.
  if (!impl_->opts.plan_path.empty()) impl_->read_plan_file();
  boost::asio::post(impl_->strand, [self = impl_] { self->poll(); });
}

void FaultTransport::stop() {
  if (impl_->stopped.exchange(true)) return;
  boost::asio::post(impl_->strand, [self = impl_] {
    self->poll_timer.cancel();
    for (auto& [peer, link] : self->links)
      if (link.timer) link.timer->cancel();
    self->links.clear();
    self->delayed_now = 0;
  });
}

void FaultTransport::set_plan(FaultPlan plan) { impl_->set_plan(std::move(plan)); }

std::map<crypto::PublicKey, LinkStats> FaultTransport::stats() const {
  std::lock_guard lock(impl_->mu);
  return impl_->link_stats;
}

void FaultTransport::set_handlers(OnMessage on_message, OnPeer on_peer) {
  impl_->handlers = std::make_shared<const Impl::Handlers>(Impl::Handlers{std::move(on_message), std::move(on_peer)});
}

void FaultTransport::broadcast(const p2p::P2pMessage& m, std::optional<PeerId> except) {
  if (impl_->no_faults) return impl_->inner.broadcast(m, except);
  impl_->route(impl_->learn_peers(except), m);
}

void FaultTransport::send(PeerId peer, const p2p::P2pMessage& m) {
  if (impl_->no_faults) return impl_->inner.send(peer, m);
  impl_->route({peer}, m);
}

void FaultTransport::send(const std::vector<PeerId>& peers, const p2p::P2pMessage& m) {
  if (impl_->no_faults) return impl_->inner.send(peers, m);
  impl_->route(peers, m);
}

void FaultTransport::penalize(PeerId peer, int points, const std::string& reason) {
  impl_->inner.penalize(peer, points, reason);
}

std::vector<PeerInfo> FaultTransport::peers() const { return impl_->inner.peers(); }

}  // namespace nl::node
