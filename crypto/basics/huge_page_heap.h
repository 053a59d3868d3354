// Transparent huge pages for the heap of a process that builds a large one
// (numledgerd loading the registry, numledger import and export).
//
// glibc's malloc grows its heap 4 KiB page by page, one page fault each. On
// a virtual machine a fault is dear: on the 2-core machine of results.md a
// quarter of a scale-1 restart's CPU was spent entering the fault handler.
// The glibc tunable glibc.malloc.hugetlb=1 (glibc 2.35 and later) makes
// malloc madvise its memory for transparent huge pages, which the kernel's
// default THP mode ("madvise") then backs with 2 MiB pages. Tunables are read
// only when a program starts, so the process executes itself again, once,
// with GLIBC_TUNABLES set. It does not when GLIBC_TUNABLES is already set
// (even to nothing: how an operator opts out), when the kernel's THP mode
// is "never", or when the exec fails (it then runs on as it is).
#pragma once

namespace nl::basics {

// Call first thing in main, before any thread or file is opened.
void use_huge_page_heap(char** argv);

}  // namespace nl::basics
