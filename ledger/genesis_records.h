// What a running chain keeps of the genesis's imported holdings once
// their state is stored: each one's range, holder, kind, source and
// registration date (the date field of the RIR statistics files,
// "registered" in genesis.h), found by range. The ledger state has no
// date field, so `export rir` and the node's RDAP and whois answers read
// the dates from here; a proof's custody replay starts from the holders.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "ledger/genesis.h"
#include "ledger/holding.h"

namespace nl::ledger {

class GenesisRecords {
 public:
  // The strings are interned here (few distinct: registries, dates,
  // handles shared by an organisation's records): a node keeps this for
  // as long as it runs, half a million records at the whole world's size.
  struct Record {
    Resource range;
    AccountId holder;
    HoldingKind kind = HoldingKind::allocation;
    std::string_view registry, handle;  // the holding's source_registry and source_handle
    std::string_view date;              // YYYYMMDD or empty
    uint32_t parent;                    // index of the enclosing genesis holding, or kNone
  };
  static constexpr uint32_t kNone = static_cast<uint32_t>(-1);

  GenesisRecords() = default;
  explicit GenesisRecords(const Genesis& g);
  // Moves keep the records' strings where they are (the set's nodes move).
  GenesisRecords(GenesisRecords&&) = default;
  GenesisRecords& operator=(GenesisRecords&&) = default;
  GenesisRecords(const GenesisRecords&) = delete;
  GenesisRecords& operator=(const GenesisRecords&) = delete;

  // The innermost genesis holding that contains all of r and whose source
  // registry is `registry` (any, when empty); nullptr if none. Genesis
  // holdings nest by containment, so this walks up at most
  // kMaxGenesisDepth parents from the nearest start at or before r's.
  const Record* containing(const Resource& r, std::string_view registry = {}) const;

  // The registration date of a holding the genesis created (created_height
  // 0), as unix seconds at 00:00 UTC, when the genesis kept one for it;
  // nullopt for later holdings, roots, and records without a date.
  std::optional<uint64_t> registered(const Holding& h) const;

  // The genesis holdings that overlap r, nested as in the genesis (each
  // with its range, holder, kind, source and date; other metadata is not
  // kept): what a custody replay of r (custody_chain.h) reads of them.
  // Proportional to the answer.
  std::vector<GenesisHolding> holdings_overlapping(const Resource& r) const;

  size_t size() const { return records_.size(); }

 private:
  std::string_view intern(const std::string& s);

  std::unordered_set<std::string> strings_;
  std::vector<Record> records_;  // genesis pre-order
  // Indexes of records_ by (family, first, ~last, index): a parent sorts
  // before what it contains.
  std::vector<uint32_t> by_start_;
};

// Unix seconds at 00:00 UTC of a YYYYMMDD date; nullopt if it is not one.
std::optional<uint64_t> unix_time_of_yyyymmdd(std::string_view date);

}  // namespace nl::ledger
