// Blocks (header, transactions, evidence, last commit): decode then encode
// gives the same bytes, and the header hash of a decoded block is defined.
#include "fuzz_check.h"
#include "ledger/block.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nl;
  auto in = fuzz::bytes_of(data, size);
  auto b = ledger::Block::decode(in);
  if (!b) return 0;
  fuzz::require_same_bytes(in, b->encode(), "block: decode then encode changed the bytes");
  (void)b->header.hash();
  return 0;
}
