// The simulated links between nodes: every delivery gets its own random
// delay (so messages reorder), may be dropped, and is lost when a partition
// separates sender and receiver, at sending or at delivery.
#pragma once
#include <cstdint>
#include <vector>

#include "consensus/sim/sim_events.h"
#include "consensus/sim/sim_rng.h"

namespace nl::consensus::sim {

struct LinkConfig {
  uint64_t min_delay_ms = 5;
  uint64_t max_delay_ms = 50;
  double drop = 0;
};

class Network {
 public:
  Network(size_t nodes, LinkConfig links, Rng& rng, EventQueue& queue);

  void send(size_t from, size_t to, Payload p, bool regossip = false);
  // To every node but `from`.
  void broadcast(size_t from, const Payload& p, bool regossip = false);

  // side[i] is node i's group (0 or 1); traffic between groups is lost.
  void split(std::vector<uint8_t> side);
  void heal();
  bool partitioned() const { return !side_.empty(); }
  bool connected(size_t a, size_t b) const;
  size_t size() const { return nodes_; }

  uint64_t messages() const { return messages_; }  // consensus messages, one per recipient
  uint64_t regossip_messages() const { return regossip_messages_; }  // those of them re-sent periodically
  uint64_t status_messages() const { return status_messages_; }
  uint64_t lost() const { return lost_; }

 private:
  size_t nodes_;
  LinkConfig links_;
  Rng& rng_;
  EventQueue& queue_;
  std::vector<uint8_t> side_;  // empty: no partition
  uint64_t messages_ = 0;
  uint64_t regossip_messages_ = 0;
  uint64_t status_messages_ = 0;
  uint64_t lost_ = 0;
};

}  // namespace nl::consensus::sim
