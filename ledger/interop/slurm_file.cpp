#include "ledger/interop/slurm_file.h"

#include "crypto/basics/bounded_file.h"
#include "ledger/interop/slurm_parse.h"

namespace nl::ledger {

Result<Slurm> read_slurm_file(const std::string& path) {
  auto text = read_bounded_file(path, kMaxSlurmFileBytes, "SLURM file", kMaxSlurmFileText);
  if (!text) return text.take_error();
  return parse_slurm(*text, path);
}

}  // namespace nl::ledger
