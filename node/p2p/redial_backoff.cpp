#include "node/p2p/redial_backoff.h"

#include <algorithm>

namespace nl::node {

RedialBackoff::RedialBackoff(ms min, ms max, ms stable_after, uint64_t seed)
    : min_(std::max(ms(1), min)), max_(std::max(std::max(ms(1), min), max)), stable_after_(stable_after), rng_(seed) {}

RedialBackoff::ms RedialBackoff::next() {
  // Doubling stops once the cap is reached, so the shift never overflows.
  ms cap = min_;
  for (unsigned i = 0; i < attempts_ && cap < max_; ++i) cap = std::min(max_, cap * 2);
  if (attempts_ < 64) ++attempts_;
  std::uniform_int_distribution<int64_t> jitter(cap.count() / 2, cap.count());
  return std::max(min_, ms(jitter(rng_)));
}

void RedialBackoff::connection_ended(std::chrono::steady_clock::duration lasted) {
  if (lasted >= stable_after_) attempts_ = 0;
}

}  // namespace nl::node
