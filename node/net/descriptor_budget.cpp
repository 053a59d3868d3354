#include "node/net/descriptor_budget.h"

#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace nl::node {

namespace {

uint64_t nr_open() {
  std::ifstream in("/proc/sys/fs/nr_open");
  uint64_t n = 0;
  if (in >> n && n > 0) return n;
  return 1 << 20;  // the kernel's default
}

std::string cap_text(size_t cap) { return cap == 0 ? "off" : std::to_string(cap); }

}  // namespace

DescriptorLimit raise_descriptor_limit() {
  DescriptorLimit out;
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
    out.error = std::string("getrlimit: ") + std::strerror(errno);
    return out;
  }
  const uint64_t hard = rl.rlim_max == RLIM_INFINITY ? nr_open() : rl.rlim_max;
  out.before = out.soft = rl.rlim_cur == RLIM_INFINITY ? hard : rl.rlim_cur;
  out.hard = hard;
  if (out.soft >= hard) return out;
  rl.rlim_cur = hard;
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
    out.error = std::string("setrlimit: ") + std::strerror(errno);
    return out;
  }
  out.soft = hard;
  return out;
}

DescriptorPlan plan_descriptors(uint64_t limit, size_t max_peers, ConnectionCaps wanted) {
  DescriptorPlan p;
  p.files = std::max(kMinFileReserve, limit / 4);
  p.peers = max_peers;
  p.sockets = limit > p.files + p.peers ? limit - p.files - p.peers : 0;
  p.caps = wanted;
  const uint64_t total = uint64_t{wanted.http} + wanted.whois + wanted.rtr;
  if (total <= p.sockets) return p;
  p.scaled = true;
  auto scale = [&](size_t cap) -> size_t {
    if (cap == 0) return 0;
    return std::max<size_t>(std::min<size_t>(cap, kMinServerCap), static_cast<size_t>(cap * p.sockets / total));
  };
  p.caps = {scale(wanted.http), scale(wanted.whois), scale(wanted.rtr)};
  return p;
}

std::string describe(const DescriptorLimit& limit, const DescriptorPlan& plan) {
  std::string s = "open files: soft limit " + std::to_string(limit.before);
  if (limit.soft != limit.before) s += " raised to " + std::to_string(limit.soft);
  s += " (hard " + std::to_string(limit.hard) + ")";
  if (!limit.error.empty()) s += ", not raised: " + limit.error;
  s += "; " + std::to_string(plan.files) + " kept for files, " + std::to_string(plan.peers) + " for peers, " +
       std::to_string(plan.sockets) + " for connections: http " + cap_text(plan.caps.http) + ", whois " +
       cap_text(plan.caps.whois) + ", rtr " + cap_text(plan.caps.rtr);
  if (plan.scaled) s += " (scaled down to fit)";
  return s;
}

}  // namespace nl::node
