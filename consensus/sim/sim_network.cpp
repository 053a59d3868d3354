#include "consensus/sim/sim_network.h"

namespace nl::consensus::sim {

Network::Network(size_t nodes, LinkConfig links, Rng& rng, EventQueue& queue)
    : nodes_(nodes), links_(links), rng_(rng), queue_(queue) {}

void Network::send(size_t from, size_t to, Payload p, bool regossip) {
  if (std::holds_alternative<HeightStatus>(p)) {
    ++status_messages_;
  } else {
    ++messages_;
    if (regossip) ++regossip_messages_;
  }
  if (rng_.chance(links_.drop) || !connected(from, to)) {
    ++lost_;
    return;
  }
  const uint64_t delay = rng_.between(links_.min_delay_ms, links_.max_delay_ms);
  queue_.after(delay, Deliver{from, to, std::move(p), regossip});
}

void Network::broadcast(size_t from, const Payload& p, bool regossip) {
  for (size_t to = 0; to < nodes_; ++to)
    if (to != from) send(from, to, p, regossip);
}

void Network::split(std::vector<uint8_t> side) { side_ = std::move(side); }

void Network::heal() { side_.clear(); }

bool Network::connected(size_t a, size_t b) const { return side_.empty() || side_[a] == side_[b]; }

}  // namespace nl::consensus::sim
