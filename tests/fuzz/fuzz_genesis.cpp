// Genesis JSON: any text is a genesis or a reason. A genesis that parses
// writes JSON that parses back to the same genesis hash; a number that
// converted with undefined behaviour shows up here under UBSan, or as a
// hash mismatch between the two parses.
#include "fuzz_check.h"
#include "ledger/genesis.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nl;
  auto g = ledger::Genesis::from_json(fuzz::text_of(data, size));
  if (!g) return 0;
  auto again = ledger::Genesis::from_json(g->to_json());
  fuzz::require(again.ok(), "genesis: its own JSON does not parse");
  fuzz::require(again->hash() == g->hash(), "genesis: hash differs after a JSON round trip");
  fuzz::require(again->to_json() == g->to_json(), "genesis: JSON differs after a round trip");
  return 0;
}
