// The driver's time: the steady and the system clock, unless a
// deterministic simulation (node/sim) set its own time on this thread.
// Every reading of time in the driver (timers, sync and deferral waits,
// block times, the mempool's ages) goes through here, so that one seed
// replays a whole-node run exactly, as in FoundationDB's simulation.
#pragma once
#include <chrono>
#include <cstdint>

namespace nl::node {

struct DriverClock {
  using duration = std::chrono::steady_clock::duration;
  using rep = duration::rep;
  using period = duration::period;
  // The steady clock's own time points: code that stores them needs no
  // change, and a simulated time is one more steady time.
  using time_point = std::chrono::steady_clock::time_point;
  static constexpr bool is_steady = true;

  static time_point now() noexcept;
  static uint64_t unix_seconds() noexcept;  // for block times and expiries
  static bool simulated() noexcept;         // a SimulatedTime is set on this thread
};

// A simulated time for the calling thread, while this object lives; it
// starts at `unix_start` and moves only by advance().
class SimulatedTime {
 public:
  explicit SimulatedTime(uint64_t unix_start);
  ~SimulatedTime();
  SimulatedTime(const SimulatedTime&) = delete;
  SimulatedTime& operator=(const SimulatedTime&) = delete;

  void advance(DriverClock::duration d) { elapsed_ += d; }
  DriverClock::duration elapsed() const { return elapsed_; }
  uint64_t unix_start() const { return unix_start_; }

 private:
  friend struct DriverClock;
  uint64_t unix_start_;
  DriverClock::duration elapsed_{};
  SimulatedTime* previous_;
};

}  // namespace nl::node
