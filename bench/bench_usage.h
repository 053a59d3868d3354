// `--help` for the benchmarks: each prints its usage and exits 0 when asked,
// and refuses an argument it does not know (exit 2) instead of running a
// multi-minute benchmark with defaults the operator did not mean.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace nl::bench {

inline bool is_help(const char* arg) { return std::strcmp(arg, "--help") == 0 || std::strcmp(arg, "-h") == 0; }

// Exits 0 after printing `usage` if any argument asks for help.
inline void handle_help(int argc, char** argv, const char* usage) {
  for (int i = 1; i < argc; ++i)
    if (is_help(argv[i])) {
      std::fputs(usage, stdout);
      std::exit(0);
    }
}

// Exits 2 with `usage` on stderr.
[[noreturn]] inline void usage_error(const char* what, const char* usage) {
  std::fprintf(stderr, "error: %s\n%s", what, usage);
  std::exit(2);
}

// Parses a whole non-negative decimal argument or exits 2.
inline unsigned long long parse_count(const char* arg, const char* usage) {
  char* end = nullptr;
  if (*arg == '\0' || *arg == '-') usage_error("expected a non-negative number", usage);
  unsigned long long v = std::strtoull(arg, &end, 10);
  if (*end != '\0') usage_error("expected a non-negative number", usage);
  return v;
}

}  // namespace nl::bench
