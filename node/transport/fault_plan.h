// A fault plan: what FaultTransport (fault_transport.h) does to the frames
// of each link, read from the file of numledgerd --fault-plan (tests only).
//
// One rule per line; `#` starts a comment; blank lines are skipped:
//
//   seed 42                                # the random choices repeat (else a random seed)
//   *   delay=150 jitter=20                # every peer without a line of its own
//   3f5a...64 hex digits...   partition    # one peer, by its node key (its validator key)
//   0b17...64 hex digits...   drop=0.25 duplicate equivocate
//
// The first word is the target: `*` or a peer's node key in hex. A peer
// with a line of its own gets only that line's settings, not those of `*`.
// Two lines for one target add up, the later value winning. Settings:
//
//   drop=P       each frame sent to the peer is lost with probability P (0 to 1)
//   partition    every frame to and from the peer is lost; the connection stays
//   delay=MS     each frame sent to the peer waits MS ms (0 to kMaxDelayMs) ...
//   jitter=MS    ... plus or minus up to MS ms, uniform (0 to kMaxDelayMs; the
//                sum is at least 0); frames to one peer keep their order, as
//                on a TCP link, so a frame may wait longer behind another
//   duplicate    each frame sent to the peer goes twice
//   equivocate   a validator also sends the peer, for each of its own votes,
//                a second vote of the same height, round and type for a
//                random block, signed without the WAL: double-signing
//
// A line that does not parse (unknown word, bad key or number, a value out
// of range) is reported with its line number and left out as a whole; the
// rest of the plan applies. A file over kMaxPlanBytes is not read.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/ed25519.h"

namespace nl::node {

inline constexpr uint32_t kMaxDelayMs = 60000;
inline constexpr size_t kMaxPlanBytes = 1 << 20;

// What happens on one link.
struct LinkFaults {
  double drop = 0;
  bool partition = false;
  uint32_t delay_ms = 0;
  uint32_t jitter_ms = 0;
  bool duplicate = false;
  bool equivocate = false;

  bool any() const { return drop > 0 || partition || delay_ms > 0 || jitter_ms > 0 || duplicate || equivocate; }
  bool delayed() const { return delay_ms > 0 || jitter_ms > 0; }
  bool operator==(const LinkFaults&) const = default;
};

struct FaultPlan {
  std::optional<uint64_t> seed;
  LinkFaults all;                                 // the `*` line
  std::map<crypto::PublicKey, LinkFaults> peers;  // lines of their own

  const LinkFaults& for_peer(const crypto::PublicKey& key) const {
    auto it = peers.find(key);
    return it == peers.end() ? all : it->second;
  }
  // No link has a fault: frames pass untouched.
  bool empty() const;
  bool operator==(const FaultPlan&) const = default;
};

struct PlanProblem {
  size_t line = 0;  // from 1
  std::string reason;
};

struct ParsedPlan {
  FaultPlan plan;
  std::vector<PlanProblem> problems;  // the lines left out, and why
};

ParsedPlan parse_fault_plan(std::string_view text);

// One line for the log: "* delay=150 jitter=20; 3f5a0c81d2e4: partition".
std::string describe(const FaultPlan& plan);
std::string describe(const LinkFaults& f);

}  // namespace nl::node
