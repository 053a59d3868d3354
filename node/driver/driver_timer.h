// The driver's timers, on DriverClock (driver_clock.h).
#pragma once
#include <boost/asio/basic_waitable_timer.hpp>

#include "node/driver/driver_clock.h"

namespace nl::node {

// Under a simulation asio is told that every timer is due at once, so
// that each poll of the io_context checks the timers against the
// simulated time; outside one the real wait is used.
struct DriverWaitTraits {
  static DriverClock::duration to_wait_duration(const DriverClock::duration& d) {
    return DriverClock::simulated() ? DriverClock::duration::zero() : d;
  }
  static DriverClock::duration to_wait_duration(const DriverClock::time_point& t) {
    return to_wait_duration(t - DriverClock::now());
  }
};

using DriverTimer = boost::asio::basic_waitable_timer<DriverClock, DriverWaitTraits>;

}  // namespace nl::node
