#include "crypto/basics/heap_allocator.h"

#include <jemalloc/jemalloc.h>

// Read by jemalloc when the process starts (heap_allocator.h); MALLOC_CONF
// overrides it. CMake links this file into each program as an object
// (nl_heap), not from an archive, so the symbol is there even in a program
// that calls nothing here.
extern "C" {
const char* malloc_conf = "thp:always,metadata_thp:auto";
}

namespace nl::basics {

std::string heap_allocator() {
  const char* version = nullptr;
  const char* thp = nullptr;
  size_t n = sizeof(const char*);
  std::string out = "jemalloc";
  if (mallctl("version", &version, &n, nullptr, 0) == 0 && version) out += std::string(" ") + version;
  n = sizeof(const char*);
  if (mallctl("opt.thp", &thp, &n, nullptr, 0) == 0 && thp) out += std::string(", thp ") + thp;
  return out;
}

void release_free_memory() {
  // "arena.<MALLCTL_ARENAS_ALL>.purge"
  const std::string all = "arena." + std::to_string(MALLCTL_ARENAS_ALL) + ".purge";
  (void)mallctl(all.c_str(), nullptr, nullptr, nullptr, 0);
}

}  // namespace nl::basics
