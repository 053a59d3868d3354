// Consensus messages (proposal, vote, decision): exact round trip.
#include "consensus/message.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nl;
  auto in = fuzz::bytes_of(data, size);
  auto m = consensus::decode_message(in);
  if (!m) return 0;
  fuzz::require_same_bytes(in, consensus::encode_message(*m), "consensus message: decode then encode changed the bytes");
  (void)consensus::message_height(*m);
  return 0;
}
