// The RTR cache's view of the ledger's route-origin authorizations: the
// current set under a serial number, plus the change made by each of the
// last `history` serials, so a router a few serials behind gets exactly
// what differs (RFC 8210 §5.3) and an older one gets a Cache Reset.
#pragma once
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "ledger/holding.h"
#include "ledger/resource.h"

namespace nl::node {

// One validated ROA payload as RTR carries it (no trust anchor).
struct RouteOrigin {
  ledger::Resource prefix;  // a CIDR prefix
  uint8_t max_length = 0;
  uint32_t asn = 0;
  auto operator<=>(const RouteOrigin&) const = default;
};

// Each list sorted and free of duplicates.
struct VrpDelta {
  std::vector<RouteOrigin> announce, withdraw;
  bool empty() const { return announce.empty() && withdraw.empty(); }
};

// The authorizations that are CIDR prefixes, as route origins.
std::vector<RouteOrigin> origins_of(const std::vector<ledger::Authorization>& auths);

// Thread-safe: updates and reads may come from any thread.
class VrpSnapshots {
 public:
  // Serial `first_serial` holds `initial`. The history keeps at most
  // `history` steps and at most `max_delta_entries` changed entries in all.
  VrpSnapshots(std::vector<RouteOrigin> initial, uint32_t first_serial = 0, size_t history = 100,
               size_t max_delta_entries = 1'000'000);

  // Makes `set` (any order; duplicates collapse) current. When it differs
  // from the current set the serial advances by one (wrapping, RFC 1982)
  // and true is returned.
  bool update(std::vector<RouteOrigin> set);

  struct Current {
    uint32_t serial = 0;
    std::shared_ptr<const std::vector<RouteOrigin>> set;  // sorted
  };
  Current current() const;
  uint32_t serial() const;

  // The change from `serial` to the current serial (returned with it);
  // nullopt when `serial` is neither current nor in the history.
  std::optional<std::pair<uint32_t, VrpDelta>> delta_since(uint32_t serial) const;

 private:
  struct Step {
    uint32_t from = 0;  // the step leads from serial `from` to from + 1
    VrpDelta delta;
  };
  mutable std::mutex mu_;
  uint32_t serial_;
  std::shared_ptr<const std::vector<RouteOrigin>> set_;
  std::deque<Step> steps_;  // oldest first
  size_t step_entries_ = 0;
  const size_t history_;
  const size_t max_delta_entries_;
};

}  // namespace nl::node
