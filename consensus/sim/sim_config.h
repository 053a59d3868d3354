// What one seeded consensus simulation is asked to do (SimConfig) and what
// it found (SimResult). A run is a pure function of its config: the same
// seed replays the same events, messages and result.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "consensus/engine.h"
#include "crypto/basics/result.h"

namespace nl::consensus::sim {

// How the Byzantine validators behave. `automatic` is the coordinated split
// attack when their power exceeds a third, else a seeded mix of behaviours.
enum class Attack { automatic, split, mixed };

// The faults one Byzantine validator of a mixed attack commits.
enum class Behaviour {
  equivocate,        // as proposer, different valid values to two halves of the peers
  double_vote,       // every vote also signed for a second value (or nil), sent to the other half
  silent,            // never sends anything
  random_ids,        // votes for block ids nobody proposed
  invalid_proposal,  // as proposer, values the application rejects
};
std::string_view behaviour_name(Behaviour b);

// A scripted validator-set change: from `from_height` on, node i votes with
// powers[i] (0: not a validator). Nodes beyond `validators` join as
// followers from the start, so a change can add a validator.
struct ValidatorChange {
  uint64_t from_height = 0;
  std::vector<uint64_t> powers;
};

struct SimConfig {
  size_t validators = 4;  // nodes voting from height 1, power 1 each
  size_t byzantine = 0;   // how many of them are Byzantine
  uint64_t heights = 5;   // every honest node must decide 1..heights
  double drop = 0;        // probability that a message delivery is lost
  bool partition = false; // split the nodes in two for a while, then heal
  bool crash = false;     // crash honest nodes and restart them from their WAL
  uint64_t seed = 1;
  Attack attack = Attack::automatic;
  // Mixed attack: behaviours by Byzantine node, cycled; empty: drawn from the seed.
  std::vector<Behaviour> behaviours;
  std::optional<ValidatorChange> change;
  // Shorter than a node's: one-way delays here are at most max_delay_ms, so
  // a round still has several delays to spare, and stalls cost less time.
  TimeoutConfig timeouts{400, 200, 300, 150, 300, 150};
  uint64_t min_delay_ms = 5;  // one-way delay of each delivery, uniform
  uint64_t max_delay_ms = 50;
  uint64_t gossip_min_ms = 200;  // period of re-gossip and height announcements
  uint64_t gossip_max_ms = 500;
  // After the last fault heals, every honest node must decide every height
  // within this much simulated time.
  uint64_t liveness_bound_ms = 120'000;
  // Share signature checks between the simulated nodes (see verify_cache.h).
  bool memoize_verify = true;
};

// Precise reasons for configs the simulator cannot run (N = 0, F > N, ...).
Status validate(const SimConfig& cfg);
// True when the split attack is used for this config.
bool uses_split_attack(const SimConfig& cfg);

struct SimResult {
  uint64_t seed = 0;
  size_t validators = 0;
  size_t byzantine = 0;
  uint64_t heights = 0;

  // Safety, from the checker (safety_checker.h). All zero in a correct run
  // while Byzantine power stays below a third.
  uint64_t safety_violations = 0;  // heights at which honest nodes decided different values
  uint64_t double_signs = 0;       // (validator, height, round, step) an honest node signed twice differently
  uint64_t invalid_decisions = 0;  // decided values the application rejects
  uint64_t bad_certificates = 0;   // decisions whose certificate fails the height's validator set
  uint64_t bad_evidence = 0;       // evidence that does not check, or that accuses an honest validator
  std::string first_problem;       // what the first of the above was, for a report

  // Liveness.
  uint64_t heights_decided = 0;  // lowest decided height over honest nodes
  bool all_decided = false;      // every honest node decided every height in time

  double mean_rounds_per_height = 0;  // over honest decisions: certificate round + 1
  uint64_t messages = 0;              // consensus messages sent, one per recipient
  double messages_per_height = 0;
  uint64_t regossip_messages = 0;     // of `messages`, the periodic re-sends
  uint64_t status_messages = 0;  // height announcements of the gossip layer
  uint64_t evidence_found = 0;   // distinct equivocations honest nodes recorded
  uint64_t crashes = 0;
  uint64_t crashes_at_wal_append = 0;  // of `crashes`, between logging a message and sending it
  uint64_t partitions = 0;
  uint64_t sim_time_ms = 0;
  uint64_t verifications = 0;  // Ed25519 verifications actually run

  // No checker found a safety problem (conflict, double sign, invalid value,
  // bad certificate or bad evidence).
  bool safe() const;
};

}  // namespace nl::consensus::sim
