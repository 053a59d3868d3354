// An ordered index of pairwise-disjoint ranges of one family, keyed by
// their first number: overlap checks and point lookups in O(log n).
#pragma once
#include <map>
#include <optional>
#include <vector>

#include "ledger/holding.h"
#include "ledger/resource.h"

namespace nl::ledger {

class IntervalIndex {
 public:
  struct Entry {
    u128 last;
    HoldingId id;
  };

  // Inserts [first,last] -> id; the caller guarantees it overlaps nothing.
  void insert(const Resource& r, HoldingId id);
  void erase(const Resource& r);
  // Some entry overlapping r, if any (the one with the lowest first).
  std::optional<std::pair<Resource, HoldingId>> first_overlap(const Resource& r) const;
  // Every entry overlapping r, in order.
  std::vector<std::pair<Resource, HoldingId>> overlapping(const Resource& r) const;
  // The entry containing the whole of r, if any.
  std::optional<HoldingId> containing(const Resource& r) const;
  size_t size() const { return map_.size(); }
  bool empty() const { return map_.empty(); }
  Family family() const { return family_; }
  const std::map<u128, Entry>& entries() const { return map_; }

 private:
  Family family_ = Family::ipv4;
  std::map<u128, Entry> map_;
};

}  // namespace nl::ledger
