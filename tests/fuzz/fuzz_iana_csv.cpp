// IANA's IPv4 and IPv6 registries as CSV: rows or a reason naming the line.
// The first byte picks the family.
#include "fuzz_check.h"
#include "fuzz_temp_file.h"
#include "ledger/interop/iana_registry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nl;
  if (size == 0) return 0;
  const auto family = data[0] & 1 ? ledger::Family::ipv6 : ledger::Family::ipv4;
  auto rows = ledger::read_iana_csv(fuzz::write_temp_file(fuzz::bytes_of(data + 1, size - 1), "iana.csv"), family);
  if (!rows) return 0;
  for (size_t i = 0; i < rows->rows.size(); ++i) {
    const auto& row = rows->rows[i];
    fuzz::require(row.range.family == family, "iana csv: a row of the other family");
    for (size_t j = 0; j < i; ++j)
      fuzz::require(!row.range.overlaps(rows->rows[j].range), "iana csv: two kept rows overlap");
    (void)ledger::rir_of_designation(row.designation);
  }
  return 0;
}
