// Write-ahead log records (proposal, vote, lock): exact round trip.
#include "consensus/wal.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nl;
  auto in = fuzz::bytes_of(data, size);
  auto e = consensus::decode_wal_entry(in);
  if (!e) return 0;
  fuzz::require_same_bytes(in, consensus::encode_wal_entry(*e), "wal entry: decode then encode changed the bytes");
  (void)consensus::wal_entry_height(*e);
  return 0;
}
