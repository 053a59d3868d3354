// Progress of long CLI work (import, diff, submitting many files, waiting
// for nodes): lines on stderr when stderr is a terminal, none when it is
// piped or redirected, so scripts and logs get only the result. The
// environment can decide instead: NUMLEDGER_PROGRESS=1 always, =0 never.
#pragma once
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace nl::cli {

inline bool progress_wanted() {
  if (const char* env = std::getenv("NUMLEDGER_PROGRESS"); env && *env) return std::strcmp(env, "0") != 0;
  return ::isatty(STDERR_FILENO) == 1;
}

// "WHAT: LINE" on stderr, when progress is wanted.
inline void progress_line(const char* what, const std::string& line) {
  static const bool wanted = progress_wanted();
  if (wanted) std::fprintf(stderr, "%s: %s\n", what, line.c_str());
}

}  // namespace nl::cli
