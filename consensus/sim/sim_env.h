// What every simulated node shares: the clock and event queue, the network,
// the seeded randomness, set(h), the signature check and the safety
// checker's log. And the interface the simulation drives nodes through.
#pragma once
#include <cstdint>
#include <string>

#include "consensus/engine.h"
#include "consensus/sim/sim_events.h"
#include "consensus/sim/sim_network.h"
#include "consensus/sim/sim_rng.h"
#include "consensus/sim/validator_schedule.h"

namespace nl::consensus::sim {

class SafetyChecker;

struct SimEnv {
  crypto::Hash32 genesis_hash;  // what votes and proposals sign
  TimeoutConfig timeouts;
  uint64_t target_height = 0;  // nodes stop after deciding it
  uint64_t gossip_min_ms = 200;
  uint64_t gossip_max_ms = 500;
  EventQueue& queue;
  Network& net;
  Rng& rng;
  const ValidatorSchedule& sets;
  SafetyChecker& checker;
  VerifyFn verify;
  // Set by a node when it decides; the simulation then checks for the end.
  bool progress = false;
};

class Node {
 public:
  virtual ~Node() = default;
  virtual bool honest() const = 0;
  virtual void start() = 0;  // at time 0
  virtual void receive(size_t from, const Payload& p, bool regossip) = 0;
  virtual void on_timeout(uint64_t incarnation, const Timeout& t) {}
  virtual void on_validated(const FireValidated& v) {}
  virtual void gossip_tick() {}
};

}  // namespace nl::consensus::sim
