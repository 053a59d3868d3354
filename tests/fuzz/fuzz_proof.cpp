// Proofs of control: exact round trip of the file, and verification
// against the fuzz world's genesis (whose seeds are real proofs) must
// return an answer or a reason, never crash.
#include "fuzz_check.h"
#include "fuzz_world.h"
#include "ledger/control_proof.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nl;
  static const ledger::Genesis genesis = fuzz::world_genesis();
  auto in = fuzz::bytes_of(data, size);
  auto p = ledger::ControlProof::decode(in);
  if (!p) return 0;
  fuzz::require_same_bytes(in, p->encode(), "proof: decode then encode changed the bytes");
  (void)ledger::verify_control_proof(*p, genesis);
  return 0;
}
