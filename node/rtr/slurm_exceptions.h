// numledgerd --slurm FILE: the operator's local exceptions (RFC 8416) to
// what the RTR cache serves. The last good file is kept whole and swapped
// on reload (SIGHUP); a bad file on reload changes nothing.
//
// slurm_origin_source is the one place SLURM enters the RTR pipeline: it
// wraps the chain's origin source, so RtrServer polls it like any other.
// When the ledger's set or the file changes, the filtered set is handed
// on, VrpSnapshots gives it the next serial if it differs, and routers get
// a Serial Notify, exactly as for a ledger change.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "crypto/basics/result.h"
#include "ledger/interop/slurm.h"
#include "node/rtr/rtr_server.h"

namespace nl::node {

// Thread-safe: reload from any thread while the RTR poll reads.
class SlurmExceptions {
 public:
  // Reads `path`; the error names the file, line, column and reason.
  static Result<std::shared_ptr<SlurmExceptions>> load(const std::string& path);

  // Reads the file again. On success it replaces the current set; on an
  // error the last good set stays and the error is returned.
  Status reload();

  struct Current {
    uint64_t generation = 0;  // advances on each successful reload
    std::shared_ptr<const ledger::Slurm> slurm;
  };
  Current current() const;
  const std::string& path() const { return path_; }

 private:
  SlurmExceptions(std::string path, ledger::Slurm first);
  const std::string path_;
  mutable std::mutex mu_;
  Current current_;
};

// The route origins of `ledger`, filtered and added to by the current file.
// Returns nullopt only when neither the ledger's set nor the file changed.
OriginSource slurm_origin_source(OriginSource ledger, std::shared_ptr<const SlurmExceptions> slurm);

}  // namespace nl::node
