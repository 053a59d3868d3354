// The process's own CPU time, memory and open files, read from /proc at
// each scrape (Linux only; elsewhere every figure is absent).
#pragma once
#include <cstdint>
#include <optional>

namespace nl::node {

struct ProcessStats {
  double cpu_seconds = 0;       // user + system
  double start_time = 0;        // unix seconds
  uint64_t resident_bytes = 0;
  uint64_t virtual_bytes = 0;
  uint64_t open_fds = 0;
};

std::optional<ProcessStats> read_process_stats();

}  // namespace nl::node
