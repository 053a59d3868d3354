// The network's bookkeeping: which sessions exist, which are peers (one per
// node key), the diallers, the callbacks and the public calls. Scores,
// memory budgets and idle peers are in p2p_network_limits.cpp.
#include "node/p2p/p2p_network.h"

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>

#include "node/net/host_port.h"
#include "node/p2p/p2p_network_impl.h"
#include "node/p2p/p2p_refusal.h"

namespace nl::node {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using Clock = std::chrono::steady_clock;
using p2p_impl::key_prefix;
using p2p_impl::tl_in_callback;

Admission P2pNetwork::Impl::admit(const std::shared_ptr<PeerSession>& s, const p2p::Hello& theirs) {
  // Asked before the lock: the validator set is the driver's.
  const bool reserved = s->outbound() || (opts.is_validator && opts.is_validator(theirs.node_key));
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
    if (!reserved && !replaced) {
      if (auto why = refuse_admission(slot_limits, slot_counts(s->ip(), s->id()), s->ip())) {
        note = "numledgerd: p2p: refused " + s->address() + " (peer " + key_prefix(theirs.node_key) +
               "): " + why->reason;
        lock.unlock();
        return refused({false, false, why->reason});
      }
    }
    Entry& e = it->second;
    e.reserved = reserved;
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
  log_peer("numledgerd: p2p: peer " + key_prefix(info.key) + " connected (" + info.address + ", " +
               (info.outbound ? "outbound" : "inbound") + ", " + (info.validator ? "validator" : "observer") +
               (reserved ? ", reserved slot" : "") + ", height " + std::to_string(info.best_height) + ")",
           key_prefix(info.key));
  guarded("OnPeer", [&, h = handlers.load()] {
    if (h->on_peer) h->on_peer(info, true);
  });
  return {true, false, {}};
}

bool P2pNetwork::Impl::deliver(PeerSession& s, p2p::P2pMessage m) {
  PeerInfo info;
  {
    std::lock_guard lock(mu);
    auto it = sessions.find(s.id());
    if (it == sessions.end() || !it->second.visible) return false;
    if (auto* st = std::get_if<p2p::StatusMessage>(&m)) it->second.info.best_height = st->height;
    info = it->second.info;
    if (!enter_locked()) return false;
  }
  guarded("OnMessage", [&, h = handlers.load()] {
    if (h->on_message) h->on_message(info, std::move(m));
  });
  return true;
}

void P2pNetwork::Impl::closed(PeerSession& s, const SessionEnd& end) {
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
    guarded("OnPeer", [&, h = handlers.load()] {
      if (h->on_peer) h->on_peer(*left, false);
    });
  }
  if (dialer_index && *dialer_index < all_dialers.size()) all_dialers[*dialer_index]->session_ended(end);
  if (key_gone)
    for (auto& d : all_dialers) d->key_left(*key_gone);
}

void P2pNetwork::Impl::dialled(size_t dialer, PeerSession::Ws ws, const std::string& address, const std::string& ip) {
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
    e.ip = ip;
    e.reserved = true;  // only configured peers are dialled
    sessions.emplace(id, std::move(e));
  }
  s->start_outbound();
}

bool P2pNetwork::Impl::key_connected(const crypto::PublicKey& key) {
  std::lock_guard lock(mu);
  return by_key.count(key) > 0;
}

std::vector<std::shared_ptr<PeerSession>> P2pNetwork::Impl::targets(std::optional<PeerId> only, std::optional<PeerId> except) {
  std::vector<std::shared_ptr<PeerSession>> out;
  std::lock_guard lock(mu);
  if (stopped) return out;
  for (auto& [id, e] : sessions) {
    if (!e.visible || (only && id != *only) || (except && id == *except)) continue;
    out.push_back(e.session);
  }
  return out;
}

void P2pNetwork::Impl::accept(beast::tcp_stream&& stream, http::request<http::string_body> request) {
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
    } else if (auto why = refuse_upgrade(slot_limits, slot_counts(ip), ip)) {
      refusal = why->reason;
      if (why->busy) status = http::status::service_unavailable;
    } else {
      {
        id = ++next_id;
        Entry e;  // holds the slot while the session is made
        e.info.id = id;
        e.info.address = address;
        e.ip = ip;
        sessions.emplace(id, std::move(e));
      }
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

void P2pNetwork::Impl::start() {
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
  sweep();
}

void P2pNetwork::Impl::stop() {
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
  sweep_timer.cancel();
  for (auto& s : open) s->close("node stopping");
  for (const auto& info : leaving) {
    announce_leave(info, "node stopping");
    try {
      if (auto h = handlers.load(); h->on_peer) h->on_peer(info, false);
    } catch (const std::exception& e) {
      log(std::string("numledgerd: p2p: OnPeer callback threw: ") + e.what());
    } catch (...) {
      log("numledgerd: p2p: OnPeer callback threw");
    }
  }
}


P2pNetwork::P2pNetwork(net::io_context& ioc, P2pOptions opts, OnMessage on_message, OnPeer on_peer)
    : impl_(std::make_shared<Impl>(ioc, std::move(opts), std::move(on_message), std::move(on_peer))) {}

P2pNetwork::~P2pNetwork() { stop(); }

void P2pNetwork::set_handlers(OnMessage on_message, OnPeer on_peer) {
  impl_->handlers = std::make_shared<const Impl::Handlers>(Impl::Handlers{std::move(on_message), std::move(on_peer)});
}

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

}  // namespace nl::node
