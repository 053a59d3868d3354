#include "node/rtr/rtr_cache.h"

#include <sodium.h>

namespace nl::node {

RtrCache::RtrCache(RtrOptions options) : opts(options), snapshots({}, 0, options.history) {
  // Serials are specific to a protocol version, so each gets its own id.
  session_v1 = static_cast<uint16_t>(randombytes_uniform(65536));
  session_v0 = static_cast<uint16_t>(session_v1 ^ 0x8000);
  if (opts.idle_timeout.count() == 0)
    opts.idle_timeout = std::chrono::seconds(uint64_t{opts.intervals.refresh} + opts.intervals.retry);
}

}  // namespace nl::node
