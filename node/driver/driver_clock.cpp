#include "node/driver/driver_clock.h"

namespace nl::node {

namespace {
thread_local SimulatedTime* sim_time = nullptr;
// Simulated steady time starts here rather than at zero, so that "long
// ago" (a default time point) stays long before any simulated instant.
constexpr auto kSimulatedEpoch = std::chrono::hours(24 * 365);
}  // namespace

DriverClock::time_point DriverClock::now() noexcept {
  if (sim_time) return time_point(kSimulatedEpoch + sim_time->elapsed_);
  return std::chrono::steady_clock::now();
}

uint64_t DriverClock::unix_seconds() noexcept {
  using namespace std::chrono;
  if (sim_time) return sim_time->unix_start_ + static_cast<uint64_t>(duration_cast<seconds>(sim_time->elapsed_).count());
  return static_cast<uint64_t>(duration_cast<seconds>(system_clock::now().time_since_epoch()).count());
}

bool DriverClock::simulated() noexcept { return sim_time != nullptr; }

SimulatedTime::SimulatedTime(uint64_t unix_start) : unix_start_(unix_start), previous_(sim_time) { sim_time = this; }
SimulatedTime::~SimulatedTime() { sim_time = previous_; }

}  // namespace nl::node
