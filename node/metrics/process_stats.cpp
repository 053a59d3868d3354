#include "node/metrics/process_stats.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace nl::node {

namespace {

// The boot time, from /proc/stat's "btime" line.
std::optional<double> boot_time() {
  std::ifstream in("/proc/stat");
  std::string word;
  while (in >> word)
    if (word == "btime") {
      double t = 0;
      if (in >> t) return t;
    }
  return std::nullopt;
}

}  // namespace

std::optional<ProcessStats> read_process_stats() {
  std::ifstream in("/proc/self/stat");
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  // The command name (field 2) may hold spaces; fields are counted after it.
  const size_t close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(line.substr(close + 2));
  std::vector<std::string> f;  // f[0] is field 3 (state)
  for (std::string w; rest >> w;) f.push_back(w);
  if (f.size() < 22) return std::nullopt;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  ProcessStats s;
  s.cpu_seconds = (std::stod(f[11]) + std::stod(f[12])) / ticks;  // utime, stime (fields 14, 15)
  s.virtual_bytes = std::stoull(f[20]);                             // vsize (field 23)
  s.resident_bytes = static_cast<uint64_t>(std::stod(f[21]) * page);  // rss pages (field 24)
  if (auto boot = boot_time()) s.start_time = *boot + std::stod(f[19]) / ticks;  // starttime (field 22)
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec))
    ++s.open_fds;
  return s;
}

}  // namespace nl::node
