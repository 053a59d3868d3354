// RTR PDUs (RFC 8210 / 6810): a whole PDU decodes to a value or to an
// error with a code; the header reader takes any 8 bytes. RFC 8210 §5 lets
// a receiver ignore fields that must be zero on transmission (the flag
// bits beside announce, the zero byte of a prefix), and the decoder does,
// so the round trip is: the re-encoding has the input's length and decodes
// to the same PDU.
#include "fuzz_check.h"
#include "node/rtr/rtr_pdu.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nl;
  namespace rtr = nl::node::rtr;
  auto in = fuzz::bytes_of(data, size);
  if (size >= rtr::kHeaderSize) {
    auto h = rtr::decode_header(in);
    (void)rtr::fixed_length(h.version, h.type);
    (void)rtr::cache_only(h.version, h.type);
  }
  auto r = rtr::decode(in);
  auto* pdu = std::get_if<rtr::Pdu>(&r);
  if (!pdu) return 0;
  Bytes again = rtr::encode(*pdu);
  fuzz::require(again.size() == size, "rtr pdu: re-encoded to another length");
  auto r2 = rtr::decode(again);
  auto* pdu2 = std::get_if<rtr::Pdu>(&r2);
  fuzz::require(pdu2 && *pdu2 == *pdu, "rtr pdu: the re-encoding decodes to another PDU");
  return 0;
}
