// The simulated network of a whole-node simulation: one link per pair of
// nodes, first-in first-out like the TCP connection it stands for, every
// frame encoded and decoded as on the wire, delivered at the simulated
// time the adversary chose. Links are cut and healed (a healed link is a
// new connection with new peer ids), and a key that an honest node's
// scores ban is cut off from it until the ban ends, as P2pNetwork does.
// Everything runs on the simulation's one thread.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "crypto/hash.h"
#include "node/driver/driver_clock.h"
#include "node/p2p/peer_scores.h"
#include "node/transport/transport.h"

namespace nl::node::sim {

class SimWire {
 public:
  struct Endpoint {
    crypto::PublicKey key;
    bool says_validator = false;  // what its handshake claims
    bool honest = true;
  };
  // How long a frame from `from` to `to` takes; the adversary decides.
  using DelayFn = std::function<DriverClock::duration(size_t from, size_t to, const p2p::P2pMessage& m)>;
  // The committed height a node announces when a link comes up.
  using HeightFn = std::function<uint64_t(size_t node)>;

  SimWire(std::vector<Endpoint> endpoints, DelayFn delay, HeightFn height);

  size_t size() const { return endpoints_.size(); }
  const Endpoint& endpoint(size_t i) const { return endpoints_.at(i); }
  void set_handlers(size_t node, Transport::OnMessage on_message, Transport::OnPeer on_peer);

  // Every link up, announced to both ends.
  void connect_all();
  void cut(size_t a, size_t b);
  void heal(size_t a, size_t b);  // no-op while a ban holds
  bool up(size_t a, size_t b) const;

  // The Transport calls of node `from`.
  void send(size_t from, PeerId peer, const p2p::P2pMessage& m);
  void send_to_node(size_t from, size_t to, const p2p::P2pMessage& m);
  void broadcast(size_t from, const p2p::P2pMessage& m, std::optional<PeerId> except);
  void penalize(size_t at, PeerId peer, int points, const std::string& reason);
  std::vector<PeerInfo> peers(size_t at) const;

  // Delivers every frame due by now, in time order; returns how many.
  size_t deliver_due();
  std::optional<DriverClock::time_point> next_due() const;
  // Heals banned links whose ban ended.
  void lift_bans();

  uint64_t deliveries() const { return deliveries_; }
  uint64_t honest_penalty_points() const { return honest_points_; }
  uint64_t byzantine_penalty_points() const { return byzantine_points_; }  // honest nodes gave Byzantine ones
  const std::string& first_honest_penalty() const { return first_honest_penalty_; }
  uint64_t bans() const { return bans_; }
  // SHA-256 chained over every delivery: (time, from, to, frame digest).
  const crypto::Hash32& trace() const { return trace_; }
  void mix_into_trace(ByteView record);

 private:
  struct Link {
    bool up = false;
    uint64_t epoch = 0;                              // bumped by every cut: frames of an older one are lost
    PeerId id_at[2] = {0, 0};                        // the id each end knows the other by (ends: low, high)
    DriverClock::time_point last_due[2] = {};        // FIFO per direction (from low, from high)
    DriverClock::time_point banned_until{};
  };
  struct Frame {
    size_t from, to;
    uint64_t epoch;
    Bytes bytes;
  };
  Link& link(size_t a, size_t b);
  const Link* find_link(size_t a, size_t b) const;
  PeerInfo info_of(size_t seen_from, size_t node) const;
  std::optional<size_t> node_of(size_t at, PeerId peer) const;
  void announce(size_t a, size_t b, bool up);

  std::vector<Endpoint> endpoints_;
  DelayFn delay_;
  HeightFn height_;
  std::vector<Transport::OnMessage> on_message_;
  std::vector<Transport::OnPeer> on_peer_;
  std::map<std::pair<size_t, size_t>, Link> links_;  // (low, high)
  std::map<std::pair<size_t, PeerId>, size_t> by_peer_id_;  // (at, id) -> node
  std::map<std::pair<DriverClock::time_point, uint64_t>, Frame> queue_;
  std::vector<PeerScores> scores_;  // per node, as its P2pNetwork keeps them
  PeerId next_id_ = 1;
  uint64_t seq_ = 0;
  uint64_t deliveries_ = 0;
  uint64_t honest_points_ = 0;
  uint64_t byzantine_points_ = 0;
  uint64_t bans_ = 0;
  std::string first_honest_penalty_;
  crypto::Hash32 trace_{};
};

// One node's side of the wire.
class SimTransport final : public Transport {
 public:
  SimTransport(SimWire& wire, size_t me) : wire_(wire), me_(me) {}
  void set_handlers(OnMessage on_message, OnPeer on_peer) override {
    wire_.set_handlers(me_, std::move(on_message), std::move(on_peer));
  }
  void broadcast(const p2p::P2pMessage& m, std::optional<PeerId> except = {}) override { wire_.broadcast(me_, m, except); }
  void send(PeerId peer, const p2p::P2pMessage& m) override { wire_.send(me_, peer, m); }
  void send(const std::vector<PeerId>& peers, const p2p::P2pMessage& m) override {
    for (PeerId p : peers) wire_.send(me_, p, m);
  }
  void penalize(PeerId peer, int points, const std::string& reason) override { wire_.penalize(me_, peer, points, reason); }
  std::vector<PeerInfo> peers() const override { return wire_.peers(me_); }

 private:
  SimWire& wire_;
  size_t me_;
};

}  // namespace nl::node::sim
