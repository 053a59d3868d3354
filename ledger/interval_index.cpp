#include "ledger/interval_index.h"

namespace nl::ledger {

namespace {

using Map = std::map<u128, IntervalIndex::Entry>;

// The first entry that can overlap r: the one starting at or before r.first
// if it reaches r.first, else the first one starting after it.
Map::const_iterator first_candidate(const Map& m, const Resource& r) {
  auto it = m.upper_bound(r.first);
  if (it != m.begin()) {
    auto prev = std::prev(it);
    if (prev->second.last >= r.first) return prev;
  }
  return it;
}

}  // namespace

void IntervalIndex::insert(const Resource& r, HoldingId id) {
  family_ = r.family;
  map_[r.first] = Entry{r.last, id};
}

void IntervalIndex::erase(const Resource& r) { map_.erase(r.first); }

std::optional<std::pair<Resource, HoldingId>> IntervalIndex::first_overlap(const Resource& r) const {
  auto it = first_candidate(map_, r);
  if (it == map_.end() || it->first > r.last) return std::nullopt;
  return std::make_pair(Resource{family_, it->first, it->second.last}, it->second.id);
}

std::vector<std::pair<Resource, HoldingId>> IntervalIndex::overlapping(const Resource& r) const {
  std::vector<std::pair<Resource, HoldingId>> out;
  for (auto it = first_candidate(map_, r); it != map_.end() && it->first <= r.last; ++it)
    out.emplace_back(Resource{family_, it->first, it->second.last}, it->second.id);
  return out;
}

std::optional<HoldingId> IntervalIndex::containing(const Resource& r) const {
  auto it = map_.upper_bound(r.first);
  if (it == map_.begin()) return std::nullopt;
  --it;
  if (it->second.last < r.last) return std::nullopt;
  return it->second.id;
}

}  // namespace nl::ledger
