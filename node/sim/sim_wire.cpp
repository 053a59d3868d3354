#include "node/sim/sim_wire.h"

#include <algorithm>

#include "crypto/basics/bytes.h"

namespace nl::node::sim {

namespace {
// As P2pNetwork's defaults (p2p_network.h).
constexpr int kBanScore = 100;
constexpr std::chrono::seconds kBanTime{60};

void put_u64(Bytes& b, uint64_t v) {
  for (int i = 7; i >= 0; --i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
}  // namespace

SimWire::SimWire(std::vector<Endpoint> endpoints, DelayFn delay, HeightFn height)
    : endpoints_(std::move(endpoints)), delay_(std::move(delay)), height_(std::move(height)) {
  on_message_.resize(endpoints_.size());
  on_peer_.resize(endpoints_.size());
  for (size_t i = 0; i < endpoints_.size(); ++i) scores_.emplace_back(kBanScore, kBanTime);
}

void SimWire::set_handlers(size_t node, Transport::OnMessage on_message, Transport::OnPeer on_peer) {
  on_message_.at(node) = std::move(on_message);
  on_peer_.at(node) = std::move(on_peer);
}

SimWire::Link& SimWire::link(size_t a, size_t b) { return links_[{std::min(a, b), std::max(a, b)}]; }

const SimWire::Link* SimWire::find_link(size_t a, size_t b) const {
  auto it = links_.find({std::min(a, b), std::max(a, b)});
  return it == links_.end() ? nullptr : &it->second;
}

bool SimWire::up(size_t a, size_t b) const {
  const Link* l = find_link(a, b);
  return l && l->up;
}

PeerInfo SimWire::info_of(size_t seen_from, size_t node) const {
  PeerInfo p;
  const Link* l = find_link(seen_from, node);
  p.id = l ? l->id_at[seen_from < node ? 0 : 1] : 0;
  p.key = endpoints_[node].key;
  p.address = "10.0." + std::to_string(node / 250) + "." + std::to_string(node % 250 + 1) + ":7000";
  p.outbound = seen_from < node;
  p.validator = endpoints_[node].says_validator;
  p.best_height = height_ ? height_(node) : 0;
  return p;
}

std::optional<size_t> SimWire::node_of(size_t at, PeerId peer) const {
  auto it = by_peer_id_.find({at, peer});
  if (it == by_peer_id_.end()) return std::nullopt;
  return it->second;
}

void SimWire::announce(size_t a, size_t b, bool is_up) {
  if (on_peer_[a]) on_peer_[a](info_of(a, b), is_up);
  if (on_peer_[b]) on_peer_[b](info_of(b, a), is_up);
}

void SimWire::connect_all() {
  for (size_t a = 0; a < size(); ++a)
    for (size_t b = a + 1; b < size(); ++b) heal(a, b);
}

void SimWire::cut(size_t a, size_t b) {
  Link& l = link(a, b);
  if (!l.up) return;
  l.up = false;
  ++l.epoch;
  announce(a, b, false);
  by_peer_id_.erase({std::min(a, b), l.id_at[0]});
  by_peer_id_.erase({std::max(a, b), l.id_at[1]});
}

void SimWire::heal(size_t a, size_t b) {
  Link& l = link(a, b);
  if (l.up || DriverClock::now() < l.banned_until) return;
  l.up = true;
  // A new connection: new ids at both ends, never reused (transport.h).
  const size_t lo = std::min(a, b), hi = std::max(a, b);
  l.id_at[0] = next_id_++;  // lo's id for hi
  l.id_at[1] = next_id_++;  // hi's id for lo
  by_peer_id_[{lo, l.id_at[0]}] = hi;
  by_peer_id_[{hi, l.id_at[1]}] = lo;
  announce(a, b, true);
}

void SimWire::send_to_node(size_t from, size_t to, const p2p::P2pMessage& m) {
  if (from == to) return;
  Link& l = link(from, to);
  if (!l.up) return;
  const size_t dir = from < to ? 0 : 1;
  const auto due = std::max(DriverClock::now() + delay_(from, to, m), l.last_due[dir]);
  l.last_due[dir] = due;
  queue_.emplace(std::pair{due, seq_++}, Frame{from, to, l.epoch, p2p::encode(m)});
}

void SimWire::send(size_t from, PeerId peer, const p2p::P2pMessage& m) {
  if (auto to = node_of(from, peer)) send_to_node(from, *to, m);
}

void SimWire::broadcast(size_t from, const p2p::P2pMessage& m, std::optional<PeerId> except) {
  for (size_t to = 0; to < size(); ++to) {
    if (to == from || !up(from, to)) continue;
    const Link& l = link(from, to);
    if (except && l.id_at[from < to ? 0 : 1] == *except) continue;
    send_to_node(from, to, m);
  }
}

void SimWire::penalize(size_t at, PeerId peer, int points, const std::string& reason) {
  auto who = node_of(at, peer);
  if (!who) return;
  if (endpoints_[at].honest && endpoints_[*who].honest) {
    honest_points_ += static_cast<uint64_t>(points);
    if (first_honest_penalty_.empty())
      first_honest_penalty_ = "node " + std::to_string(at) + " penalised honest node " + std::to_string(*who) +
                              " (" + std::to_string(points) + " points): " + reason;
  }
  if (endpoints_[at].honest && !endpoints_[*who].honest) byzantine_points_ += static_cast<uint64_t>(points);
  const auto now = DriverClock::now();
  auto verdict = scores_[at].add_key(endpoints_[*who].key, points, now);
  if (!verdict.banned) return;
  ++bans_;
  cut(at, *who);
  link(at, *who).banned_until = verdict.until;
}

std::vector<PeerInfo> SimWire::peers(size_t at) const {
  std::vector<PeerInfo> out;
  for (size_t j = 0; j < size(); ++j)
    if (j != at && up(at, j)) out.push_back(info_of(at, j));
  return out;
}

void SimWire::mix_into_trace(ByteView record) {
  Bytes b(trace_.b.begin(), trace_.b.end());
  b.insert(b.end(), record.begin(), record.end());
  trace_ = crypto::sha256(b);
}

size_t SimWire::deliver_due() {
  size_t n = 0;
  const auto now = DriverClock::now();
  while (!queue_.empty() && queue_.begin()->first.first <= now) {
    auto node = queue_.extract(queue_.begin());
    Frame& f = node.mapped();
    const Link* l = find_link(f.from, f.to);
    if (!l || !l->up || l->epoch != f.epoch) continue;  // the connection it was sent on is gone
    auto m = p2p::decode(f.bytes);
    if (!m) continue;  // cannot happen: it was encoded here
    ++deliveries_;
    ++n;
    Bytes record;
    put_u64(record, static_cast<uint64_t>(now.time_since_epoch().count()));
    put_u64(record, f.from);
    put_u64(record, f.to);
    const crypto::Hash32 d = crypto::sha256(f.bytes);
    record.insert(record.end(), d.b.begin(), d.b.end());
    mix_into_trace(record);
    if (on_message_[f.to]) on_message_[f.to](info_of(f.to, f.from), std::move(*m));
  }
  return n;
}

std::optional<DriverClock::time_point> SimWire::next_due() const {
  if (queue_.empty()) return std::nullopt;
  return queue_.begin()->first.first;
}

void SimWire::lift_bans() {
  const auto now = DriverClock::now();
  for (auto& [ends, l] : links_)
    if (!l.up && l.banned_until != DriverClock::time_point{} && now >= l.banned_until) {
      l.banned_until = {};
      heal(ends.first, ends.second);
    }
}

}  // namespace nl::node::sim
