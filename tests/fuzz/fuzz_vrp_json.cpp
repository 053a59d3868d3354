// VRP JSON (Routinator and rpki-client forms): any text is a file with good
// and bad entries, or a reason; never an exception. The good entries
// written in Routinator's format read back to the same VRPs.
#include "fuzz_check.h"
#include "ledger/interop/vrp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nl;
  auto f = ledger::read_vrps_json(fuzz::text_of(data, size));
  if (!f) return 0;
  fuzz::require(f->vrps.size() == f->positions.size(), "vrp json: a VRP without its position");
  auto want = f->vrps;
  ledger::sort_vrps(want);
  auto again = ledger::parse_vrps_json(ledger::format_vrps_json(f->vrps, 0));
  fuzz::require(again.ok() && *again == want, "vrp json: written VRPs do not read back the same");
  return 0;
}
