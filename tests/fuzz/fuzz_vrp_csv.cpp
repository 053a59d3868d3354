// VRP CSV (Routinator's csv): any text is a file with good and bad rows, or
// a reason. The good rows written back read back the same.
#include "fuzz_check.h"
#include "ledger/interop/vrp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nl;
  auto f = ledger::read_vrps_csv(fuzz::text_of(data, size));
  if (!f) return 0;
  fuzz::require(f->vrps.size() == f->positions.size(), "vrp csv: a VRP without its position");
  auto want = f->vrps;
  ledger::sort_vrps(want);
  auto again = ledger::parse_vrps_csv(ledger::format_vrps_csv(f->vrps));
  fuzz::require(again.ok() && *again == want, "vrp csv: written VRPs do not read back the same");
  return 0;
}
