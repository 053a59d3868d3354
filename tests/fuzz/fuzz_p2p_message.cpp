// Peer frames (every tag): exact round trip, and a decoded frame is within
// its tag's size cap.
#include "fuzz_check.h"
#include "node/transport/p2p_message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nl;
  namespace p2p = nl::node::p2p;
  auto in = fuzz::bytes_of(data, size);
  auto m = p2p::decode(in);
  if (!m) return 0;
  fuzz::require_same_bytes(in, p2p::encode(*m), "p2p frame: decode then encode changed the bytes");
  fuzz::require(size <= p2p::max_frame_bytes(p2p::tag_of(*m)), "p2p frame: decoded above its tag's cap");
  return 0;
}
