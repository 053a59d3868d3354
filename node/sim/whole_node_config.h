// What one whole-node simulation runs (whole_node_sim.h) and what it found.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "consensus/engine.h"
#include "crypto/basics/result.h"

namespace nl::node::sim {

// What the Byzantine validators do, together (they coordinate: one split
// of the honest nodes per round, chosen by the seed).
enum Behaviour : uint32_t {
  kDoubleVote = 1u << 0,         // prevote and precommit value A to one side, value B (or nil) to the other
  kEquivocatePropose = 1u << 1,  // two proposals in their own rounds, one to each side (every other time one invalid)
  kForgeLockProof = 1u << 2,     // proposals with a validRound no polka backs
  kFloodFuture = 1u << 3,        // votes for later rounds and h + 1; h + 1 proposals in rounds they do not own
  kWithhold = 1u << 4,           // one height in three, send to side a only
  kClaimObserver = 1u << 5,      // say "observer" in the handshake
  kReplay = 1u << 6,             // send old messages again
  kAllBehaviours = (1u << 7) - 1,
  kPrevotesOnly = 1u << 7,  // scripted runs: no precommits (bug 1's D goes silent)
};
// "double-vote,equivocate-propose,..." and back; the names in kBehaviourNames.
std::string behaviour_names(uint32_t set);
Result<uint32_t> parse_behaviours(const std::string& list);

// A scripted scenario instead of the seeded adversary, for a known bug.
enum class Scenario : uint8_t {
  random,       // the seeded adversary
  stall_bug1,   // issue 20, bug 1: the late proposal and the relayed equivocation
  relay_bug3,   // issue 20, bug 3: an h + 1 proposal by a validator not its round's proposer
};

struct WholeNodeConfig {
  uint64_t seed = 1;
  size_t validators = 4;
  size_t byzantine = 0;       // validators 0..byzantine-1 of the key order run no driver
  size_t observers = 0;       // honest nodes without a validator key
  bool unequal_power = false; // powers 1..4 from the seed instead of all 1
  uint64_t heights = 5;       // every honest node must commit this many
  uint32_t behaviours = kAllBehaviours;
  Scenario scenario = Scenario::random;
  // Partial synchrony: before gst_ms delays are up to max_delay_ms and
  // links are cut and healed; after it every message arrives within
  // delta_ms and every link is up.
  uint64_t gst_ms = 3000;
  uint64_t max_delay_ms = 800;
  uint64_t delta_ms = 50;
  double cut_per_second = 0.5;  // link cuts per second before GST, over all links
  // A validator-update during the run: the last honest validator leaves
  // and the first observer (if any) joins, submitted at this height (0: none).
  uint64_t set_change_at = 0;
  size_t txs = 20;              // transactions submitted by clients before GST + 1 s
  uint64_t limit_ms = 120000;   // simulated time after GST by which all must be done
  consensus::TimeoutConfig timeouts{300, 150, 300, 150, 300, 150};
  std::string dir;              // homes of the nodes; empty: a fresh one under /dev/shm or TMPDIR
};

Status validate(const WholeNodeConfig& c);

struct WholeNodeResult {
  uint64_t seed = 0;
  bool safe = true;                 // no two honest nodes committed different blocks at a height
  bool live = true;                 // every honest node committed `heights` within the limit
  bool all_txs_committed = true;    // every submitted transaction is in every honest chain
  uint64_t honest_penalties = 0;    // points one honest node gave another (must be 0)
  uint64_t byzantine_penalties = 0; // points honest nodes gave Byzantine ones
  std::string first_problem;        // what broke first, for a report
  uint64_t min_height = 0;          // lowest tip over the honest nodes at the end
  uint64_t sim_ms = 0;              // simulated time at the end
  uint64_t deliveries = 0;          // frames delivered
  uint64_t cuts = 0;                // link cuts before GST
  uint64_t byzantine_messages = 0;  // consensus messages the Byzantine validators sent
  uint64_t bans = 0;                // keys an honest node banned
  double rounds_per_height = 0;     // mean commit round + 1 over honest commits
  uint64_t txs_submitted = 0;
  uint32_t first_height_round = 0;  // the round height 1 was decided in
  bool set_changed = false;         // the set at the last common height is not the genesis set
  std::array<uint64_t, consensus::kRuleCount> rules{};  // summed over honest engines
  std::string trace_digest;         // SHA-256 over every delivery and commit: equal seeds, equal digests
  bool ok() const { return safe && live && all_txs_committed && honest_penalties == 0; }
};

}  // namespace nl::node::sim
