#include "node/rtr/vrp_snapshots.h"

#include <algorithm>
#include <iterator>
#include <map>

namespace nl::node {

namespace {

void normalize(std::vector<RouteOrigin>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace

std::vector<RouteOrigin> origins_of(const std::vector<ledger::Authorization>& auths) {
  std::vector<RouteOrigin> out;
  out.reserve(auths.size());
  for (const auto& a : auths)
    if (a.prefix.family != ledger::Family::asn && a.prefix.prefix_length()) out.push_back({a.prefix, a.max_length, a.asn});
  return out;
}

VrpSnapshots::VrpSnapshots(std::vector<RouteOrigin> initial, uint32_t first_serial, size_t history,
                           size_t max_delta_entries)
    : serial_(first_serial), history_(history), max_delta_entries_(max_delta_entries) {
  normalize(initial);
  set_ = std::make_shared<const std::vector<RouteOrigin>>(std::move(initial));
}

bool VrpSnapshots::update(std::vector<RouteOrigin> set) {
  normalize(set);
  std::lock_guard lk(mu_);
  if (set == *set_) return false;
  // The step is exactly the difference of the two snapshots.
  Step step{serial_, {}};
  std::set_difference(set.begin(), set.end(), set_->begin(), set_->end(), std::back_inserter(step.delta.announce));
  std::set_difference(set_->begin(), set_->end(), set.begin(), set.end(), std::back_inserter(step.delta.withdraw));
  step_entries_ += step.delta.announce.size() + step.delta.withdraw.size();
  steps_.push_back(std::move(step));
  while (!steps_.empty() && (steps_.size() > history_ || step_entries_ > max_delta_entries_)) {
    step_entries_ -= steps_.front().delta.announce.size() + steps_.front().delta.withdraw.size();
    steps_.pop_front();
  }
  set_ = std::make_shared<const std::vector<RouteOrigin>>(std::move(set));
  ++serial_;
  return true;
}

VrpSnapshots::Current VrpSnapshots::current() const {
  std::lock_guard lk(mu_);
  return {serial_, set_};
}

uint32_t VrpSnapshots::serial() const {
  std::lock_guard lk(mu_);
  return serial_;
}

std::optional<std::pair<uint32_t, VrpDelta>> VrpSnapshots::delta_since(uint32_t serial) const {
  std::lock_guard lk(mu_);
  if (serial == serial_) return std::pair{serial_, VrpDelta{}};
  auto start = std::find_if(steps_.begin(), steps_.end(), [&](const Step& s) { return s.from == serial; });
  if (start == steps_.end()) return std::nullopt;
  // Fold the steps: +1 per announcement, -1 per withdrawal. Consecutive
  // steps are differences of snapshots, so each net value is -1, 0 or +1,
  // and an entry announced then withdrawn again cancels out.
  std::map<RouteOrigin, int> net;
  for (auto it = start; it != steps_.end(); ++it) {
    for (const auto& o : it->delta.announce) ++net[o];
    for (const auto& o : it->delta.withdraw) --net[o];
  }
  VrpDelta d;
  for (const auto& [o, n] : net) {
    if (n > 0) d.announce.push_back(o);
    if (n < 0) d.withdraw.push_back(o);
  }
  return std::pair{serial_, std::move(d)};
}

}  // namespace nl::node
