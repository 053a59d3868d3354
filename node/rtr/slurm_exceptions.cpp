#include "node/rtr/slurm_exceptions.h"

#include <limits>

#include "ledger/interop/slurm_file.h"

namespace nl::node {

SlurmExceptions::SlurmExceptions(std::string path, ledger::Slurm first)
    : path_(std::move(path)), current_{0, std::make_shared<const ledger::Slurm>(std::move(first))} {}

Result<std::shared_ptr<SlurmExceptions>> SlurmExceptions::load(const std::string& path) {
  auto s = ledger::read_slurm_file(path);
  if (!s) return s.take_error();
  return std::shared_ptr<SlurmExceptions>(new SlurmExceptions(path, std::move(*s)));
}

Status SlurmExceptions::reload() {
  // Read and check outside the lock: the RTR poll never waits on the disk.
  auto s = ledger::read_slurm_file(path_);
  if (!s) return s.take_error();
  auto next = std::make_shared<const ledger::Slurm>(std::move(*s));
  std::lock_guard lk(mu_);
  current_ = {current_.generation + 1, std::move(next)};
  return {};
}

SlurmExceptions::Current SlurmExceptions::current() const {
  std::lock_guard lk(mu_);
  return current_;
}

OriginSource slurm_origin_source(OriginSource ledger, std::shared_ptr<const SlurmExceptions> slurm) {
  struct Seen {
    std::optional<std::vector<RouteOrigin>> ledger_set;  // the last set the ledger gave
    uint64_t generation = std::numeric_limits<uint64_t>::max();
  };
  auto seen = std::make_shared<Seen>();
  return [ledger = std::move(ledger), slurm = std::move(slurm), seen]() -> std::optional<std::vector<RouteOrigin>> {
    auto fresh = ledger();
    const auto file = slurm->current();
    if (!fresh && file.generation == seen->generation) return std::nullopt;
    if (fresh) seen->ledger_set = std::move(*fresh);
    if (!seen->ledger_set) return std::nullopt;  // nothing from the ledger yet
    seen->generation = file.generation;
    return ledger::apply_slurm(*file.slurm, *seen->ledger_set, [](const ledger::SlurmPrefixAssertion& a) {
      return RouteOrigin{a.prefix, a.max_length, a.asn};
    });
  };
}

}  // namespace nl::node
