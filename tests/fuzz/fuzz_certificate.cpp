// Commit certificates: exact round trip.
#include "fuzz_check.h"
#include "ledger/block.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nl;
  auto in = fuzz::bytes_of(data, size);
  auto c = ledger::CommitCertificate::decode(in);
  if (!c) return 0;
  fuzz::require_same_bytes(in, c->encode(), "certificate: decode then encode changed the bytes");
  return 0;
}
