// Transactions: the canonical decoder either refuses or gives a value that
// encodes to exactly the input (one encoding per value); signature checks
// on whatever decodes must not crash.
#include "fuzz_check.h"
#include "ledger/transaction.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nl;
  auto in = fuzz::bytes_of(data, size);
  auto tx = ledger::Transaction::decode(in);
  if (!tx) return 0;
  fuzz::require_same_bytes(in, tx->encode(), "transaction: decode then encode changed the bytes");
  (void)tx->check_signatures();
  (void)tx->id();
  return 0;
}
