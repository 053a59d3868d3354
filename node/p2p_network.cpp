// The network's bookkeeping: which sessions exist, which are peers (one per
// node key), scores and bans, the diallers, and the callbacks. Sessions and
// diallers do their I/O on their own strands and report here; everything
// here is under one mutex, and no callback runs with it held. Callbacks
// pass a gate that stop() closes and drains, so none runs after stop()
// returns (unless stop() is called from inside one).
#include "node/p2p_network.h"

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <map>
#include <mutex>

#include "node/host_port.h"
#include "node/p2p_dialer.h"
#include "node/p2p_handshake.h"
#include "node/p2p_refusal.h"
#include "node/peer_scores.h"
#include "node/peer_session.h"

namespace nl::node {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

std::string key_prefix(const crypto::PublicKey& k) { return k.hex().substr(0, 16); }

std::string describe(const PeerInfo& p) {
  return "peer " + key_prefix(p.key) + " (" + p.address + ")";
}

// Which networks' callbacks this thread is inside, so that stop() called
// from a callback does not wait for itself.
thread_local std::vector<const void*> tl_in_callback;

}  // namespace

struct P2pNetwork::Impl : SessionOwner, DialerHost, std::enable_shared_from_this<P2pNetwork::Impl> {
  Impl(net::io_context& ioc, P2pOptions o, OnMessage m, OnPeer p)
      : ioc(ioc),
        opts(std::move(o)),
        on_message(std::move(m)),
        on_peer(std::move(p)),
        me(std::make_shared<const LocalIdentity>(
            LocalIdentity{opts.chain_id, opts.genesis_hash, opts.node_key, opts.validator, opts.best_height})),
        limits{opts.send_queue_bytes, opts.send_queue_frames, opts.handshake_timeout, opts.idle_timeout},
        scores(opts.ban_score, opts.ban_time) {}

  struct Entry {
    std::shared_ptr<PeerSession> session;
    PeerInfo info;
    bool visible = false;    // a peer: handshaken and admitted
    bool announced = false;  // OnPeer(true) was called and OnPeer(false) not yet
    p2p::ConnectionRank rank;
    std::optional<size_t> dialer;
  };

  net::io_context& ioc;
  const P2pOptions opts;
  const OnMessage on_message;
  const OnPeer on_peer;
  const std::shared_ptr<const LocalIdentity> me;
  const SessionLimits limits;

  mutable std::mutex mu;  // guards everything below
  std::condition_variable drained;
  bool started = false;
  bool stopped = false;
  int in_callback = 0;
  PeerId next_id = 0;
  std::map<PeerId, Entry> sessions;
  std::map<crypto::PublicKey, PeerId> by_key;  // visible sessions
  std::set<crypto::PublicKey> partitioned;
  PeerScores scores;
  std::vector<std::shared_ptr<PeerDialer>> dialers;

  // --- the callback gate

  // Under `mu`: false once stopped.
  bool enter_locked() {
    if (stopped) return false;
    ++in_callback;
    tl_in_callback.push_back(this);
    return true;
  }
  void leave() {
    tl_in_callback.pop_back();
    std::lock_guard lock(mu);
    --in_callback;
    drained.notify_all();
  }
  template <class F>
  void guarded(const char* what, F&& f) {
    try {
      f();
    } catch (const std::exception& e) {
      log(std::string("numledgerd: p2p: ") + what + " callback threw: " + e.what());
    } catch (...) {
      log(std::string("numledgerd: p2p: ") + what + " callback threw");
    }
    leave();
  }

  void log(const std::string& line) override {
    if (opts.log)
      opts.log(line);
    else
      std::fprintf(stderr, "%s\n", line.c_str());
  }

  void announce_leave(const PeerInfo& info, const std::string& reason) {
    log("numledgerd: p2p: peer " + key_prefix(info.key) + " disconnected (" + info.address + "): " + reason);
  }

  // --- SessionOwner

  Admission admit(const std::shared_ptr<PeerSession>& s, const p2p::Hello& theirs) override {
    std::shared_ptr<PeerSession> replaced;
    PeerInfo info;
    std::string note;  // logged outside the lock
    auto refused = [&](Admission a) {
      if (!note.empty()) log(note);
      return a;
    };
    {
      std::unique_lock lock(mu);
      auto it = sessions.find(s->id());
      if (stopped || it == sessions.end()) return {false, false, "node stopping"};
      if (scores.key_banned(theirs.node_key, Clock::now())) {
        note = "numledgerd: p2p: refused " + s->address() + ": node key " + key_prefix(theirs.node_key) + " is banned";
        lock.unlock();
        return refused({false, false, "node key banned"});
      }
      const auto rank = p2p::connection_rank(s->outbound(), s->our_hello(), theirs);
      if (auto k = by_key.find(theirs.node_key); k != by_key.end()) {
        Entry& old = sessions.at(k->second);
        const bool keep_new = p2p::replaces(rank, old.rank);
        note = "numledgerd: p2p: closing duplicate connection " + (keep_new ? old.info.address : s->address()) +
               " to peer " + key_prefix(theirs.node_key) + ": the one via " +
               (keep_new ? s->address() : old.info.address) + " stays";
        if (!keep_new) {
          lock.unlock();
          return refused({false, true, "duplicate connection"});
        }
        old.visible = false;  // its OnPeer(false) comes from its own strand as it closes
        replaced = old.session;
      }
      Entry& e = it->second;
      e.visible = true;
      e.announced = true;
      e.rank = rank;
      e.info.key = theirs.node_key;
      e.info.validator = theirs.validator;
      e.info.best_height = theirs.best_height;
      by_key[theirs.node_key] = s->id();
      info = e.info;
      enter_locked();  // not stopped: checked above
    }
    if (!note.empty()) log(note);
    if (replaced) replaced->close("duplicate connection", false, true);
    log("numledgerd: p2p: peer " + key_prefix(info.key) + " connected (" + info.address + ", " +
        (info.outbound ? "outbound" : "inbound") + ", " + (info.validator ? "validator" : "observer") + ", height " +
        std::to_string(info.best_height) + ")");
    guarded("OnPeer", [&] {
      if (on_peer) on_peer(info, true);
    });
    return {true, false, {}};
  }

  void deliver(PeerSession& s, p2p::P2pMessage m) override {
    PeerInfo info;
    {
      std::lock_guard lock(mu);
      auto it = sessions.find(s.id());
      if (it == sessions.end() || !it->second.visible) return;
      if (partitioned.count(it->second.info.key)) return;
      if (auto* st = std::get_if<p2p::StatusMessage>(&m)) it->second.info.best_height = st->height;
      info = it->second.info;
      if (!enter_locked()) return;
    }
    guarded("OnMessage", [&] {
      if (on_message) on_message(info, std::move(m));
    });
  }

  void misbehaved(PeerSession& s, int points, const std::string& what, const std::string& reason) override {
    std::optional<crypto::PublicKey> key;
    {
      std::lock_guard lock(mu);
      auto it = sessions.find(s.id());
      if (it != sessions.end() && it->second.visible) key = it->second.info.key;
    }
    log("numledgerd: p2p: " + what + " " + s.address() + (key ? " (peer " + key_prefix(*key) + ")" : "") + ": " +
        reason);
    if (points > 0) add_points(s.ip(), key, points, reason);
  }

  void closed(PeerSession& s, const SessionEnd& end) override {
    std::optional<PeerInfo> left;
    std::optional<size_t> dialer_index;
    std::optional<crypto::PublicKey> key_gone;
    std::vector<std::shared_ptr<PeerDialer>> all_dialers;
    {
      std::lock_guard lock(mu);
      auto it = sessions.find(s.id());
      if (it == sessions.end()) return;
      Entry& e = it->second;
      dialer_index = e.dialer;
      if (e.visible) {
        by_key.erase(e.info.key);
        key_gone = e.info.key;
      }
      if (e.announced && enter_locked()) left = e.info;
      e.announced = false;
      sessions.erase(it);
      if (!stopped) all_dialers = dialers;
    }
    if (left) {
      announce_leave(*left, end.reason);
      guarded("OnPeer", [&] {
        if (on_peer) on_peer(*left, false);
      });
    }
    if (dialer_index && *dialer_index < all_dialers.size()) all_dialers[*dialer_index]->session_ended(end);
    if (key_gone)
      for (auto& d : all_dialers) d->key_left(*key_gone);
  }

  // --- DialerHost

  void dialled(size_t dialer, PeerSession::Ws ws, const std::string& address, const std::string& ip) override {
    PeerId id;
    {
      std::lock_guard lock(mu);
      if (stopped) return;  // the stream closes as `ws` goes
      id = ++next_id;
    }
    auto s = std::make_shared<PeerSession>(id, std::move(ws), true, address, ip, me, limits, weak_from_this());
    {
      std::lock_guard lock(mu);
      if (stopped) return;
      Entry e;
      e.session = s;
      e.info.id = id;
      e.info.address = address;
      e.info.outbound = true;
      e.dialer = dialer;
      sessions.emplace(id, std::move(e));
    }
    s->start_outbound();
  }

  bool key_connected(const crypto::PublicKey& key) override {
    std::lock_guard lock(mu);
    return by_key.count(key) > 0;
  }

  // --- the rest

  // True when this reached the ban score.
  bool add_points(const std::string& ip, const std::optional<crypto::PublicKey>& key, int points,
                  const std::string& reason) {
    PeerScores::Verdict v;
    {
      std::lock_guard lock(mu);
      v = scores.add(ip, key, points, Clock::now());
    }
    if (v.banned)
      log("numledgerd: p2p: banned " + ip + (key ? " and node key " + key_prefix(*key) : std::string()) + " for " +
          std::to_string(opts.ban_time.count()) + " s: " + reason);
    return v.banned;
  }

  std::vector<std::shared_ptr<PeerSession>> targets(std::optional<PeerId> only, std::optional<PeerId> except) {
    std::vector<std::shared_ptr<PeerSession>> out;
    std::lock_guard lock(mu);
    if (stopped) return out;
    for (auto& [id, e] : sessions) {
      if (!e.visible || (only && id != *only) || (except && id == *except)) continue;
      if (partitioned.count(e.info.key)) continue;
      out.push_back(e.session);
    }
    return out;
  }

  void accept(beast::tcp_stream&& stream, http::request<http::string_body> request) {
    beast::error_code ec;
    const auto ep = stream.socket().remote_endpoint(ec);
    if (ec) return;  // already gone
    const std::string ip = ep.address().to_string();
    const std::string address = (ep.address().is_v6() ? "[" + ip + "]" : ip) + ":" + std::to_string(ep.port());
    PeerId id = 0;
    std::string refusal;
    http::status status = http::status::forbidden;
    {
      std::lock_guard lock(mu);
      if (stopped) {
        refusal = "node stopping";
        status = http::status::service_unavailable;
      } else if (scores.ip_banned(ip, Clock::now())) {
        refusal = "address " + ip + " is banned";
      } else if (sessions.size() >= opts.max_peers) {
        refusal = "too many peers (" + std::to_string(sessions.size()) + " connections, the cap is " +
                  std::to_string(opts.max_peers) + ")";
        status = http::status::service_unavailable;
      } else {
        id = ++next_id;
        Entry e;  // holds the slot while the session is made
        e.info.id = id;
        e.info.address = address;
        sessions.emplace(id, std::move(e));
      }
    }
    if (id == 0) {
      log("numledgerd: p2p: refused " + address + ": " + refusal);
      return refuse_upgrade(std::move(stream), status, refusal, request.version());
    }
    auto s = std::make_shared<PeerSession>(id, PeerSession::Ws(std::move(stream)), false, address, ip, me, limits,
                                           weak_from_this());
    {
      std::lock_guard lock(mu);
      auto it = sessions.find(id);
      if (it == sessions.end()) return;
      if (stopped) {  // stop() came meanwhile; the stream closes with `s`
        sessions.erase(it);
        return;
      }
      it->second.session = s;
    }
    s->start_inbound(std::move(request));
  }

  void start() {
    std::vector<std::shared_ptr<PeerDialer>> to_start;
    {
      std::lock_guard lock(mu);
      if (started || stopped) return;
      started = true;
      uint64_t seed = 0;
      for (auto b : opts.node_key.public_key().b) seed = seed * 131 + b;
      for (const auto& address : opts.peers) {
        auto hp = parse_host_port(address);
        if (!hp) {
          log("numledgerd: p2p: not dialling '" + address + "': " + hp.error());
          continue;
        }
        RedialBackoff backoff(opts.redial_min, opts.redial_max, opts.redial_max, seed + dialers.size());
        dialers.push_back(std::make_shared<PeerDialer>(ioc, dialers.size(), address, hp->first, hp->second,
                                                       std::move(backoff), opts.handshake_timeout, weak_from_this()));
      }
      to_start = dialers;
    }
    for (auto& d : to_start) d->start();
  }

  void stop() {
    std::vector<std::shared_ptr<PeerSession>> open;
    std::vector<PeerInfo> leaving;
    std::vector<std::shared_ptr<PeerDialer>> ds;
    {
      std::unique_lock lock(mu);
      if (stopped) return;
      stopped = true;
      const int mine = static_cast<int>(std::count(tl_in_callback.begin(), tl_in_callback.end(), this));
      drained.wait(lock, [&] { return in_callback <= mine; });
      for (auto& [id, e] : sessions) {
        if (e.session) open.push_back(e.session);
        if (e.announced) leaving.push_back(e.info);
        e.announced = false;
        e.visible = false;
      }
      by_key.clear();
      ds.swap(dialers);
    }
    for (auto& d : ds) d->stop();
    for (auto& s : open) s->close("node stopping");
    for (const auto& info : leaving) {
      announce_leave(info, "node stopping");
      try {
        if (on_peer) on_peer(info, false);
      } catch (const std::exception& e) {
        log(std::string("numledgerd: p2p: OnPeer callback threw: ") + e.what());
      } catch (...) {
        log("numledgerd: p2p: OnPeer callback threw");
      }
    }
  }
};

P2pNetwork::P2pNetwork(net::io_context& ioc, P2pOptions opts, OnMessage on_message, OnPeer on_peer)
    : impl_(std::make_shared<Impl>(ioc, std::move(opts), std::move(on_message), std::move(on_peer))) {}

P2pNetwork::~P2pNetwork() { stop(); }

void P2pNetwork::start() { impl_->start(); }

void P2pNetwork::stop() { impl_->stop(); }

void P2pNetwork::accept(beast::tcp_stream&& stream, http::request<http::string_body> request) {
  impl_->accept(std::move(stream), std::move(request));
}

void P2pNetwork::broadcast(const p2p::P2pMessage& m, std::optional<PeerId> except) {
  auto frame = std::make_shared<const Bytes>(p2p::encode(m));
  for (auto& s : impl_->targets(std::nullopt, except)) s->send(frame);
}

void P2pNetwork::send(PeerId peer, const p2p::P2pMessage& m) {
  auto to = impl_->targets(peer, std::nullopt);
  if (to.empty()) return;
  to.front()->send(std::make_shared<const Bytes>(p2p::encode(m)));
}

void P2pNetwork::send(const std::vector<PeerId>& peers, const p2p::P2pMessage& m) {
  if (peers.empty()) return;
  auto frame = std::make_shared<const Bytes>(p2p::encode(m));
  for (PeerId p : peers)
    for (auto& s : impl_->targets(p, std::nullopt)) s->send(frame);
}

void P2pNetwork::penalize(PeerId peer, int points, const std::string& reason) {
  std::shared_ptr<PeerSession> s;
  PeerInfo info;
  {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->sessions.find(peer);
    if (it == impl_->sessions.end() || !it->second.visible) return;
    s = it->second.session;
    info = it->second.info;
  }
  impl_->log("numledgerd: p2p: " + describe(info) + " penalized " + std::to_string(points) + " points: " + reason);
  if (impl_->add_points(s->ip(), info.key, points, reason)) s->close("banned: " + reason, true);
}

std::vector<PeerInfo> P2pNetwork::peers() const {
  std::vector<PeerInfo> out;
  std::lock_guard lock(impl_->mu);
  for (auto& [id, e] : impl_->sessions)
    if (e.visible) out.push_back(e.info);
  return out;
}

size_t P2pNetwork::peer_count() const {
  std::lock_guard lock(impl_->mu);
  return impl_->by_key.size();
}

void P2pNetwork::set_partitioned(std::set<crypto::PublicKey> keys) {
  std::lock_guard lock(impl_->mu);
  impl_->partitioned = std::move(keys);
}

}  // namespace nl::node
