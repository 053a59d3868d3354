// When to dial a configured peer again: capped exponential backoff with
// jitter. Pure apart from its seeded generator. The n-th consecutive
// failure waits a random time in [d/2, d] with d = min * 2^n capped at
// max, and never less than min; a connection that lasted at least
// `stable_after` starts the sequence over.
#pragma once
#include <chrono>
#include <cstdint>
#include <random>

namespace nl::node {

class RedialBackoff {
 public:
  using ms = std::chrono::milliseconds;

  RedialBackoff(ms min, ms max, ms stable_after, uint64_t seed);

  // The wait before the next attempt; each call counts as one more failure.
  ms next();
  // A connection came up and has now ended after `lasted`.
  void connection_ended(std::chrono::steady_clock::duration lasted);
  void reset() { attempts_ = 0; }
  unsigned attempts() const { return attempts_; }

 private:
  const ms min_;
  const ms max_;
  const ms stable_after_;
  unsigned attempts_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace nl::node
