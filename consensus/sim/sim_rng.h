// The simulator's only source of randomness: xoshiro256** seeded through
// splitmix64. Written out rather than taken from <random>, whose
// distributions differ between standard libraries, so that a seed replays
// the same run everywhere.
#pragma once
#include <cstdint>

namespace nl::consensus::sim {

class Rng {
 public:
  explicit Rng(uint64_t seed);
  uint64_t next();
  // Uniform in [0, n); n > 0.
  uint64_t below(uint64_t n);
  // Uniform in [lo, hi]; lo <= hi.
  uint64_t between(uint64_t lo, uint64_t hi);
  // True with probability p (0 <= p <= 1).
  bool chance(double p);

 private:
  uint64_t s_[4];
};

}  // namespace nl::consensus::sim
