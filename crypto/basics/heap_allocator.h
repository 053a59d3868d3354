// The heap allocator of numledger's programs: jemalloc (Debian's
// libjemalloc2), linked into numledgerd, numledger, the benchmarks and the
// tests (CMake's nl_heap; not into the fuzz targets, whose sanitizer has
// its own).
//
// Why not glibc's malloc: a synced block allocates and frees tens of
// thousands of small objects (tree nodes, keys, batch entries), and on the
// 2-core machine of results.md glibc's malloc and free were a sixth of the
// applying thread; with jemalloc block sync in one process went from
// 14,557 to 17,716 tx/s (whitepaper/results.md, "The tree in groups of
// four levels, and jemalloc").
//
// jemalloc is told, by the malloc_conf string this file defines, to ask
// for transparent huge pages for its memory (thp:always): the registry is
// millions of small objects, and on a virtual machine each 4 KiB page
// fault is dear. With the kernel's THP mode "madvise" (Debian's default)
// or "always" one fault then maps 2 MiB. An operator overrides any of it
// with MALLOC_CONF (e.g. MALLOC_CONF=thp:never), read after this string.
#pragma once
#include <string>

namespace nl::basics {

// "jemalloc 5.3.0-0-g..., thp always": what a node logs when it starts.
std::string heap_allocator();

// Hands the freed memory of every arena back to the system now, instead of
// as it decays (in about 10 s): after a passing peak, so that the next
// allocation does not come on top of it.
void release_free_memory();

}  // namespace nl::basics
