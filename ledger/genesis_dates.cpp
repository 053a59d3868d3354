#include "ledger/genesis_dates.h"

namespace nl::ledger {

namespace {

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

GenesisDates::GenesisDates(const Genesis& g) {
  // Pre-order with an explicit stack: the file's depth is bounded when it
  // is read, but a stack of our own costs nothing.
  std::vector<std::pair<const GenesisHolding*, size_t>> stack;
  for (auto it = g.holdings.rbegin(); it != g.holdings.rend(); ++it) stack.push_back({&*it, kNone});
  while (!stack.empty()) {
    auto [h, parent] = stack.back();
    stack.pop_back();
    const size_t index = records_.size();
    records_.push_back({h->range, h->meta.source_registry, h->meta.source_handle, h->registered, parent});
    by_start_.emplace(std::tuple{h->range.family, h->range.first, ~h->range.last, index}, index);
    for (auto it = h->children.rbegin(); it != h->children.rend(); ++it) stack.push_back({&*it, index});
  }
}

const GenesisDates::Record* GenesisDates::containing(const Resource& r, std::string_view registry) const {
  auto it = by_start_.upper_bound(std::tuple{r.family, r.first, ~u128(0), kNone});
  if (it == by_start_.begin()) return nullptr;
  --it;
  if (std::get<0>(it->first) != r.family) return nullptr;
  // The nearest start at or before r's is the innermost containing
  // holding or lies inside it, since genesis holdings nest: walk up.
  for (size_t i = it->second; i != kNone; i = records_[i].parent) {
    const Record& rec = records_[i];
    if (rec.range.contains(r) && (registry.empty() || rec.registry == registry)) return &rec;
  }
  return nullptr;
}

std::optional<uint64_t> GenesisDates::registered(const Holding& h) const {
  if (h.created_height != 0) return std::nullopt;
  // The registry narrows the search when a record has exactly the range of
  // the designation (registry "iana") that holds it.
  const Record* rec = containing(h.range, h.meta.source_registry);
  if (!rec) return std::nullopt;
  return unix_time_of_yyyymmdd(rec->date);
}

}  // namespace nl::ledger
