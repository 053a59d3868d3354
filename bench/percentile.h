// The percentiles bench_testnet reports: the nearest rank, rounded.
#pragma once
#include <algorithm>
#include <vector>

namespace nl::bench {

inline double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5));
  return v[i];
}
inline double median(std::vector<double> v) { return percentile(std::move(v), 0.5); }

}  // namespace nl::bench
