// Test-only: flips one byte of a stored block in a stopped node's ledger,
// to check that the node refuses to start on a corrupt ledger and names
// the height (tests/support/tamper_block.h).
#include <cstdio>
#include <cstdlib>

#include "../support/tamper_block.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: nl_tamper_block LEDGER_DIR GENESIS HEIGHT\n");
    return 2;
  }
  // GENESIS stays in the usage for the callers; the ledger is opened raw.
  auto s = nl::test::tamper_block(argv[1], std::strtoull(argv[3], nullptr, 10));
  if (!s) return std::fprintf(stderr, "%s\n", s.error().c_str()), 1;
  return 0;
}
