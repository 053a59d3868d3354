// RIR delegated statistics: any file is records plus issues (never a
// throw); every record it yields writes as a line that reads back to the
// same record.
#include <vector>

#include "fuzz_check.h"
#include "fuzz_temp_file.h"
#include "ledger/interop/rir_stats.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nl;
  std::vector<ledger::RirRecord> records;
  auto s = ledger::read_rir_stats(fuzz::write_temp_file(fuzz::bytes_of(data, size), "delegated"),
                                  [&](ledger::RirRecord&& r) { records.push_back(std::move(r)); });
  fuzz::require(s.ok(), "rir stats: a readable file failed as a whole");
  if (records.empty()) return 0;
  std::string text = "2|nl|1|" + std::to_string(records.size()) + "|19700101|19700101|+0000\n";
  for (const auto& r : records) text += ledger::format_rir_record(r) + "\n";
  std::vector<ledger::RirRecord> again;
  auto s2 = ledger::read_rir_stats(fuzz::write_temp_file(as_bytes(text), "again"),
                                   [&](ledger::RirRecord&& r) { again.push_back(std::move(r)); });
  fuzz::require(s2.ok() && again.size() == records.size(), "rir stats: written records do not all read back");
  for (size_t i = 0; i < records.size(); ++i)
    fuzz::require(again[i].registry == records[i].registry && again[i].cc == records[i].cc &&
                      again[i].range == records[i].range && again[i].date == records[i].date &&
                      again[i].status == records[i].status && again[i].opaque_id == records[i].opaque_id,
                  "rir stats: a written record reads back different");
  return 0;
}
