#include <limits>

#include "consensus/engine.h"

namespace nl::consensus {

std::string_view step_name(Step s) {
  switch (s) {
    case Step::propose:
      return "propose";
    case Step::prevote:
      return "prevote";
    case Step::precommit:
      return "precommit";
  }
  return "unknown";
}

uint64_t TimeoutConfig::delay(Step s, uint32_t round) const {
  uint64_t base = 0, delta = 0;
  switch (s) {
    case Step::propose:
      base = propose_ms, delta = propose_delta_ms;
      break;
    case Step::prevote:
      base = prevote_ms, delta = prevote_delta_ms;
      break;
    case Step::precommit:
      base = precommit_ms, delta = precommit_delta_ms;
      break;
  }
  // Saturate rather than wrap: a huge round must not yield a short timeout.
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  if (delta != 0 && round > (kMax - base) / delta) return kMax;
  return base + round * delta;
}

}  // namespace nl::consensus
