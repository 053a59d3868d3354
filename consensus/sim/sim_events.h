// The simulation's events and its clock. Events run in order of (time,
// sequence number): two events at the same millisecond run in the order
// they were scheduled, so a seed replays exactly.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <variant>
#include <vector>

#include "consensus/engine.h"
#include "consensus/message.h"

namespace nl::consensus::sim {

// The gossip layer's height announcement: "I am working on `height`". A peer
// that has decided that height answers with its Decision (catch-up).
struct HeightStatus {
  uint64_t height = 0;
};

// What travels between nodes. Messages are shared: a broadcast to N - 1
// peers holds one copy.
using Payload = std::variant<std::shared_ptr<const Message>, HeightStatus>;

struct Deliver {
  size_t from = 0, to = 0;
  Payload payload;
  bool regossip = false;  // a periodic re-send: the sender was at that height just now
};
// Engine timers and delayed validation answers carry the incarnation of the
// node that asked, so they die with it when it crashes.
struct FireTimeout {
  size_t node = 0;
  uint64_t incarnation = 0;
  Timeout timeout;
};
struct FireValidated {
  size_t node = 0;
  uint64_t incarnation = 0;
  uint64_t height = 0;
  crypto::Hash32 value_id;
  bool valid = false;
};
struct GossipTick {
  size_t node = 0;
};
// Crash now, or (wal_appends set) let that many more WAL appends succeed
// and crash right after the next one: logged, never sent.
// An armed crash that has not happened after kArmedCrashFallbackMs happens
// then (fallback_for: the incarnation that was armed).
struct CrashNode {
  size_t node = 0;
  std::optional<uint64_t> wal_appends;
  uint64_t down_ms = 0;
  std::optional<uint64_t> fallback_for;
};
inline constexpr uint64_t kArmedCrashFallbackMs = 1500;
struct RestartNode {
  size_t node = 0;
};
struct PartitionChange {
  bool split = false;  // true: split into the planned groups; false: heal
};

using EventBody =
    std::variant<Deliver, FireTimeout, FireValidated, GossipTick, CrashNode, RestartNode, PartitionChange>;

struct Event {
  uint64_t time = 0;
  uint64_t seq = 0;
  EventBody body;
};

class EventQueue {
 public:
  uint64_t now() const { return now_; }
  void at(uint64_t time, EventBody body);
  void after(uint64_t delay, EventBody body) { at(now_ + delay, std::move(body)); }
  bool empty() const { return heap_.empty(); }
  uint64_t next_time() const { return heap_.front().time; }
  // Removes the earliest event and advances the clock to its time.
  Event pop();
  uint64_t scheduled() const { return seq_; }

 private:
  struct Later {
    bool operator()(const Event& a, const Event& b) const {
      return a.time != b.time ? a.time > b.time : a.seq > b.seq;
    }
  };
  std::vector<Event> heap_;  // a binary heap under Later: earliest on top
  uint64_t now_ = 0;
  uint64_t seq_ = 0;
};

}  // namespace nl::consensus::sim
