// The network's limits: misbehaviour points and bans (by node key once the
// handshake proved it, by address before), slot counts, the budgets that
// bound memory (blocks replies, all send queues) and the sweep that drops
// peers without a reserved slot once they stop sending anything useful.
#include <string>

#include "node/p2p/p2p_network.h"
#include "node/p2p/p2p_network_impl.h"

namespace nl::node {

using Clock = std::chrono::steady_clock;
using p2p_impl::key_prefix;

SlotCounts P2pNetwork::Impl::slot_counts(const std::string& ip, PeerId except) const {
  SlotCounts c;
  for (const auto& [id, e] : sessions) {
    if (id == except || e.reserved) continue;
    (e.visible ? c.peers : c.handshaking)++;
    if (e.ip == ip) (e.visible ? c.address_peers : c.address_handshaking)++;
  }
  c.address_banned = scores.ip_banned(ip, Clock::now());
  return c;
}

void P2pNetwork::Impl::misbehaved(PeerSession& s, int points, int address_points, const std::string& what, const std::string& reason) {
  std::optional<crypto::PublicKey> key;
  {
    std::lock_guard lock(mu);
    auto it = sessions.find(s.id());
    if (it != sessions.end() && it->second.visible) key = it->second.info.key;
  }
  log_peer("numledgerd: p2p: " + what + " " + s.address() + (key ? " (peer " + key_prefix(*key) + ")" : "") + ": " +
               reason,
           key ? key_prefix(*key) : s.address());
  // A proven key answers for itself; only what comes before the proof
  // is held against the address (other nodes may share it).
  if (key) {
    if (points > 0) add_key_points(*key, s.ip(), points, reason);
    if (address_points > 0) add_ip_points(s.ip(), address_points, reason);
  } else if (points + address_points > 0) {
    add_ip_points(s.ip(), points + address_points, reason);
  }
}

bool P2pNetwork::Impl::take_blocks_budget(size_t bytes, bool force) {
  size_t used = blocks_used.load();
  for (;;) {
    // An empty budget always takes one reply, however large.
    if (!force && used != 0 && used + bytes > opts.blocks_reply_budget) return false;
    if (blocks_used.compare_exchange_weak(used, used + bytes)) return true;
  }
}

void P2pNetwork::Impl::give_blocks_budget(size_t bytes) { blocks_used -= bytes; }

void P2pNetwork::Impl::queued(std::ptrdiff_t delta) {
  const size_t total = (queued_total += static_cast<size_t>(delta));
  if (delta <= 0 || total <= opts.max_queued_bytes) return;
  // Past the bound for all peers: the peer furthest behind goes.
  std::shared_ptr<PeerSession> victim;
  {
    std::lock_guard lock(mu);
    size_t most = 0;
    for (auto& [id, e] : sessions)
      if (e.session && e.session->queued_bytes() > most) most = e.session->queued_bytes(), victim = e.session;
  }
  if (victim)
    victim->drop_not_reading("send queues of all peers past " + std::to_string(opts.max_queued_bytes) +
                             " bytes, this peer's the longest (" + std::to_string(victim->queued_bytes()) + ")");
}

bool P2pNetwork::Impl::add_key_points(const crypto::PublicKey& key, const std::string& ip, int points, const std::string& reason) {
  PeerScores::Verdict v;
  {
    std::lock_guard lock(mu);
    v = scores.add_key(key, points, Clock::now());
  }
  if (v.banned)
    log_peer("numledgerd: p2p: banned node key " + key_prefix(key) + " (" + ip + ") for " +
                 std::to_string(opts.ban_time.count()) + " s: " + reason,
             key_prefix(key));
  return v.banned;
}

bool P2pNetwork::Impl::add_ip_points(const std::string& ip, int points, const std::string& reason) {
  PeerScores::Verdict v;
  {
    std::lock_guard lock(mu);
    v = scores.add_ip(ip, points, Clock::now());
  }
  if (v.banned)
    log_peer("numledgerd: p2p: banned " + ip + " for " + std::to_string(opts.ban_time.count()) + " s (at most " +
                 std::to_string(opts.banned_address_sessions) + " sessions without a reserved slot from it): " + reason,
             ip);
  return v.banned;
}

void P2pNetwork::Impl::sweep() {
  std::vector<std::shared_ptr<PeerSession>> idle;
  {
    std::lock_guard lock(mu);
    if (stopped) return;
    const auto limit = Clock::now() - opts.useful_idle_timeout;
    for (auto& [id, e] : sessions)
      if (e.visible && !e.reserved && e.session && e.session->last_useful() < limit) idle.push_back(e.session);
  }
  for (auto& s : idle)
    s->close("idle: no transaction, consensus, status or blocks frame in " +
             std::to_string(opts.useful_idle_timeout.count()) + " s");
  sweep_timer.expires_after(std::chrono::seconds(1));
  sweep_timer.async_wait([w = weak_from_this()](boost::beast::error_code ec) {
    if (auto self = w.lock(); self && !ec) self->sweep();
  });
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
  impl_->log_peer("numledgerd: p2p: peer " + key_prefix(info.key) + " (" + info.address + ") penalized " +
                      std::to_string(points) + " points: " + reason,
                  key_prefix(info.key));
  if (impl_->add_key_points(info.key, s->ip(), points, reason)) s->close("banned: " + reason, true);
}

size_t P2pNetwork::queued_bytes() const { return impl_->queued_total.load(); }

}  // namespace nl::node
