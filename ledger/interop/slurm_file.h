// A SLURM file from disk: the one place both numledgerd (--slurm, at start
// and on SIGHUP) and `numledger export vrps --slurm` read one, so both
// apply the same size cap and the same checks.
#pragma once
#include <string>

#include "crypto/basics/result.h"
#include "ledger/interop/slurm.h"

namespace nl::ledger {

// Errors start with `path` (and the line and column when the text is at fault).
Result<Slurm> read_slurm_file(const std::string& path);

}  // namespace nl::ledger
