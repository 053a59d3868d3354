// The registration dates a genesis kept for its imported holdings (the
// date field of the RIR statistics files, "registered" in genesis.h),
// found by range. The ledger state has no date field, so `export rir`
// and the node's RDAP and whois answers both read them from here.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "ledger/genesis.h"
#include "ledger/holding.h"

namespace nl::ledger {

class GenesisDates {
 public:
  struct Record {
    Resource range;
    std::string registry, handle;  // the holding's source_registry and source_handle
    std::string date;              // YYYYMMDD or empty
    size_t parent;                 // index of the enclosing genesis holding, or kNone
  };
  static constexpr size_t kNone = static_cast<size_t>(-1);

  explicit GenesisDates(const Genesis& g);

  // The innermost genesis holding that contains all of r and whose source
  // registry is `registry` (any, when empty); nullptr if none. Genesis
  // holdings nest by containment, so this walks up at most
  // kMaxGenesisDepth parents from the nearest start at or before r's.
  const Record* containing(const Resource& r, std::string_view registry = {}) const;

  // The registration date of a holding the genesis created (created_height
  // 0), as unix seconds at 00:00 UTC, when the genesis kept one for it;
  // nullopt for later holdings, roots, and records without a date.
  std::optional<uint64_t> registered(const Holding& h) const;

  size_t size() const { return records_.size(); }

 private:
  std::vector<Record> records_;  // genesis pre-order
  // (family, first, ~last, index): a parent sorts before what it contains.
  std::map<std::tuple<Family, u128, u128, size_t>, size_t> by_start_;
};

// Unix seconds at 00:00 UTC of a YYYYMMDD date; nullopt if it is not one.
std::optional<uint64_t> unix_time_of_yyyymmdd(std::string_view date);

}  // namespace nl::ledger
