// What every router session of one RTR cache reads: the options, the
// route-origin snapshots that the server's poll keeps current, and the
// session ids.
#pragma once
#include <cstdint>

#include "node/rtr/rtr_server.h"
#include "node/rtr/vrp_snapshots.h"

namespace nl::node {

struct RtrCache {
  // Draws the session ids; an idle_timeout of 0 becomes refresh + retry.
  explicit RtrCache(RtrOptions options);

  uint16_t session(uint8_t version) const { return version == 0 ? session_v0 : session_v1; }

  RtrOptions opts;
  VrpSnapshots snapshots;  // thread-safe
  uint16_t session_v1 = 0, session_v0 = 0;
};

}  // namespace nl::node
