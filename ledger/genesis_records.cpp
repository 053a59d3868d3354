#include "ledger/genesis_records.h"

#include <algorithm>
#include <tuple>

namespace nl::ledger {

namespace {

// by_start_'s order of a range: a container before what it contains.
auto start_key(const Resource& r) { return std::tuple{r.family, r.first, ~r.last}; }

bool all_digits(std::string_view s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

std::optional<uint64_t> unix_time_of_yyyymmdd(std::string_view d) {
  if (d.size() != 8 || !all_digits(d)) return std::nullopt;
  const int64_t y0 = std::stoll(std::string(d.substr(0, 4)));
  const unsigned m = static_cast<unsigned>(std::stoul(std::string(d.substr(4, 2))));
  const unsigned day = static_cast<unsigned>(std::stoul(std::string(d.substr(6, 2))));
  if (m < 1 || m > 12 || day < 1 || day > 31 || y0 < 1970) return std::nullopt;
  // H. Hinnant's days-from-civil, the inverse of yyyymmdd() in rir_export.cpp.
  const int64_t y = y0 - (m <= 2);
  const int64_t era = y / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const int64_t days = era * 146097 + static_cast<int64_t>(doe) - 719468;
  return static_cast<uint64_t>(days) * 86400;
}

std::string_view GenesisRecords::intern(const std::string& s) { return *strings_.insert(s).first; }

GenesisRecords::GenesisRecords(const Genesis& g) {
  // Pre-order with an explicit stack: the file's depth is bounded when it
  // is read, but a stack of our own costs nothing.
  std::vector<std::pair<const GenesisHolding*, uint32_t>> stack;
  for (auto it = g.holdings.rbegin(); it != g.holdings.rend(); ++it) stack.push_back({&*it, kNone});
  while (!stack.empty()) {
    auto [h, parent] = stack.back();
    stack.pop_back();
    // A genesis holds at most kMaxGenesisEntries (2^24) records.
    const auto index = static_cast<uint32_t>(records_.size());
    records_.push_back({h->range, h->holder, h->kind, intern(h->meta.source_registry),
                        intern(h->meta.source_handle), intern(h->registered), parent});
    for (auto it = h->children.rbegin(); it != h->children.rend(); ++it) stack.push_back({&*it, index});
  }
  records_.shrink_to_fit();
  by_start_.resize(records_.size());
  for (uint32_t i = 0; i < by_start_.size(); ++i) by_start_[i] = i;
  std::sort(by_start_.begin(), by_start_.end(), [this](uint32_t a, uint32_t b) {
    return std::tuple_cat(start_key(records_[a].range), std::tuple{a}) <
           std::tuple_cat(start_key(records_[b].range), std::tuple{b});
  });
}

const GenesisRecords::Record* GenesisRecords::containing(const Resource& r, std::string_view registry) const {
  // The last record that starts at or before r and, among those starting
  // where r does, the innermost.
  const auto probe = std::tuple{r.family, r.first, ~u128(0)};
  auto it = std::upper_bound(by_start_.begin(), by_start_.end(), probe, [this](const auto& key, uint32_t i) {
    return key < start_key(records_[i].range);
  });
  if (it == by_start_.begin()) return nullptr;
  --it;
  if (records_[*it].range.family != r.family) return nullptr;
  // The nearest start at or before r's is the innermost containing
  // holding or lies inside it, since genesis holdings nest: walk up.
  for (uint32_t i = *it; i != kNone; i = records_[i].parent) {
    const Record& rec = records_[i];
    if (rec.range.contains(r) && (registry.empty() || rec.registry == registry)) return &rec;
  }
  return nullptr;
}

std::vector<GenesisHolding> GenesisRecords::holdings_overlapping(const Resource& r) const {
  // Genesis holdings nest or are disjoint, so those overlapping r are the
  // ones containing r's first number (one chain of ancestors) and those
  // starting inside r; a holding's ancestors overlap r as well.
  std::vector<uint32_t> picked;
  for (const Record* at = containing({r.family, r.first, r.first}); at; ) {
    const auto i = static_cast<uint32_t>(at - records_.data());
    picked.push_back(i);
    at = records_[i].parent == kNone ? nullptr : &records_[records_[i].parent];
  }
  auto it = std::lower_bound(by_start_.begin(), by_start_.end(), std::tuple{r.family, r.first, u128(0)},
                             [this](uint32_t i, const auto& key) { return start_key(records_[i].range) < key; });
  for (; it != by_start_.end(); ++it) {
    const Resource& x = records_[*it].range;
    if (x.family != r.family || x.first > r.last) break;
    picked.push_back(*it);
  }
  // records_ is in pre-order: sorted indexes put each parent before its
  // children, so every child finds its parent already placed.
  std::sort(picked.begin(), picked.end());
  picked.erase(std::unique(picked.begin(), picked.end()), picked.end());
  std::vector<GenesisHolding> out;
  std::vector<std::pair<uint32_t, GenesisHolding*>> path;  // the ancestors of the next record, placed
  for (uint32_t i : picked) {
    const Record& rec = records_[i];
    GenesisHolding h;
    h.range = rec.range;
    h.holder = rec.holder;
    h.kind = rec.kind;
    h.meta.source_registry = rec.registry;
    h.meta.source_handle = rec.handle;
    h.registered = rec.date;
    while (!path.empty() && path.back().first != rec.parent) path.pop_back();
    std::vector<GenesisHolding>& siblings = path.empty() ? out : path.back().second->children;
    siblings.push_back(std::move(h));
    path.push_back({i, &siblings.back()});
  }
  return out;
}

std::optional<uint64_t> GenesisRecords::registered(const Holding& h) const {
  if (h.created_height != 0) return std::nullopt;
  // The registry narrows the search when a record has exactly the range of
  // the designation (registry "iana") that holds it.
  const Record* rec = containing(h.range, h.meta.source_registry);
  if (!rec) return std::nullopt;
  return unix_time_of_yyyymmdd(rec->date);
}

}  // namespace nl::ledger
