// Test-only: flips one byte of a stored block, to check that a node
// refuses to start on a corrupt ledger and names the height.
#include <cstdio>
#include <cstdlib>

#include "ledger/block_store.h"
#include "ledger/genesis.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: nl_tamper_block LEDGER_DIR GENESIS HEIGHT\n");
    return 2;
  }
  nl::crypto::init();
  auto g = nl::ledger::Genesis::load(argv[2]);
  if (!g) return std::fprintf(stderr, "%s\n", g.error().c_str()), 1;
  auto store = nl::ledger::BlockStore::open(argv[1], g->hash());
  if (!store) return std::fprintf(stderr, "%s\n", store.error().c_str()), 1;
  auto s = (*store)->tamper_block_for_testing(std::strtoull(argv[3], nullptr, 10));
  if (!s) return std::fprintf(stderr, "%s\n", s.error().c_str()), 1;
  return 0;
}
