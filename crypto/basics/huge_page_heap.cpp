#include "crypto/basics/huge_page_heap.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace nl::basics {

namespace {

constexpr const char* kTunables = "GLIBC_TUNABLES";

bool thp_never() {
  std::string mode;
  std::getline(std::ifstream("/sys/kernel/mm/transparent_hugepage/enabled"), mode);
  return mode.find("[never]") != std::string::npos;
}

}  // namespace

void use_huge_page_heap(char** argv) {
  if (std::getenv(kTunables) != nullptr || thp_never()) return;
  if (setenv(kTunables, "glibc.malloc.hugetlb=1", 1) != 0) return;
  execv("/proc/self/exe", argv);
  unsetenv(kTunables);  // the exec failed: run on, and pass nothing on
}

}  // namespace nl::basics
