// The process's open-file budget: the soft RLIMIT_NOFILE raised to the
// hard limit at start, and the servers' connection caps fitted into what
// is left after files and peers (whitepaper/security.md, "Connection limits").
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace nl::node {

struct DescriptorLimit {
  uint64_t before = 0;  // the soft limit found at start
  uint64_t soft = 0;    // the soft limit now
  uint64_t hard = 0;
  std::string error;    // why it could not be raised; empty when it was (or need not be)
};

// Raises the soft limit to the hard one; an unlimited hard limit means
// the kernel's fs.nr_open.
DescriptorLimit raise_descriptor_limit();

// Connections each server may hold; 0 for a server that is off.
struct ConnectionCaps {
  size_t http = 0, whois = 0, rtr = 0;
};

struct DescriptorPlan {
  uint64_t files = 0;   // kept for RocksDB tables, the WAL, logs and the runtime
  uint64_t peers = 0;   // kept for peer connections
  uint64_t sockets = 0; // what is left for the servers' connections
  ConnectionCaps caps;  // the wanted caps, scaled down to fit `sockets` when they did not
  bool scaled = false;
};

inline constexpr uint64_t kMinFileReserve = 256;
inline constexpr size_t kMinServerCap = 16;

// files = max(256, limit / 4); peers = max_peers; sockets = the rest.
// Caps that add up to more than `sockets` are each scaled by the same
// factor, to no less than 16 (a node always answers someone).
DescriptorPlan plan_descriptors(uint64_t limit, size_t max_peers, ConnectionCaps wanted);

// The one log line: the limit found, the limit now, and the caps.
std::string describe(const DescriptorLimit& limit, const DescriptorPlan& plan);

}  // namespace nl::node
