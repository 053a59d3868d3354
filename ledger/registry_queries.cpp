// Read-only queries over the registry state; each is O(log n) or
// proportional to the size of its answer.
#include "ledger/registry.h"

namespace nl::ledger {

std::optional<Holding> Registry::holding(HoldingId id) const { return holdings_.find(id); }

std::vector<Holding> Registry::chain(const Resource& r) const {
  std::vector<Holding> out;
  for (HoldingId id : chain_ids(r)) out.push_back(holdings_.at(id));
  return out;
}

std::vector<Segment> Registry::segments_covering(const Resource& r) const {
  return segments_covering(r, std::nullopt, SIZE_MAX);
}

std::vector<Segment> Registry::segments_covering(const Resource& r, std::optional<u128> after_first,
                                                size_t limit) const {
  std::vector<Segment> out;
  if (limit == 0) return out;
  segments_.scan(r.family, after_first ? *after_first : r.first, [&](const Segment& s) {
    if (s.range.first > r.last) return false;
    if (!after_first || s.range.first > *after_first) out.push_back(s);
    return out.size() < limit;
  });
  return out;
}

Registry::Coverage Registry::coverage(const Resource& r) const {
  Coverage c;
  std::optional<Holding> first;
  bool started = false, single = true;
  u128 next = r.first;
  segments_.scan(r.family, r.first, [&](const Segment& s) {
    if (s.range.first > next) return false;  // a gap
    // Once two holders are seen the answer has no sole holding: no more reads.
    if (single) {
      std::optional<Holding> h = s.holding == (first ? first->id : 0) ? first : holding(s.holding);
      if (!started) first = h;
      if (!h || !first || h->holder != first->holder) single = false;
    }
    started = true;
    if (s.range.last >= r.last) {
      c.fully_held = true;
      if (single) c.sole = std::move(first);
      return false;
    }
    next = s.range.last + 1;
    return true;
  });
  return c;
}

std::optional<Segment> Registry::segment_at(Family f, u128 point) const { return segments_.containing(f, point); }

std::vector<Holding> Registry::children(HoldingId parent) const {
  std::vector<Holding> out;
  auto it = children_.find(parent);
  if (it == children_.end()) return out;
  for (const auto& [first, e] : it->second.entries()) out.push_back(holdings_.at(e.id));
  return out;
}

std::vector<Holding> Registry::roots(Family f) const {
  std::vector<Holding> out;
  auto it = roots_.find(f);
  if (it == roots_.end()) return out;
  for (const auto& [first, e] : it->second.entries()) out.push_back(holdings_.at(e.id));
  return out;
}

std::vector<Holding> Registry::all_holdings() const {
  std::vector<Holding> out;
  out.reserve(holdings_.size());
  holdings_.scan([&](const Holding& h) {
    out.push_back(h);
    return true;
  });
  return out;
}

std::vector<Holding> Registry::holdings_of(const AccountId& a) const {
  std::vector<Holding> out;
  auto it = by_holder_.find(a);
  if (it == by_holder_.end()) return out;
  for (HoldingId id : it->second) out.push_back(holdings_.at(id));
  return out;
}

std::vector<Holding> Registry::holdings_of(const AccountId& a, std::optional<HoldingId> after,
                                          size_t limit) const {
  std::vector<Holding> out;
  auto it = by_holder_.find(a);
  if (it == by_holder_.end()) return out;
  const auto& ids = it->second;
  for (auto id = after ? ids.upper_bound(*after) : ids.begin(); id != ids.end() && out.size() < limit; ++id)
    out.push_back(holdings_.at(*id));
  return out;
}

size_t Registry::holding_count_of(const AccountId& a) const {
  auto it = by_holder_.find(a);
  return it == by_holder_.end() ? 0 : it->second.size();
}

std::optional<AccountState> Registry::account(const AccountId& a) const { return accounts_.find(a); }

uint64_t Registry::next_nonce(const AccountId& a) const {
  auto st = accounts_.find(a);
  return st ? st->next_nonce : 1;
}

crypto::PublicKey Registry::effective_key(const AccountId& a, uint64_t t) const {
  if (auto st = recoveries_.find(a); st && st->in_effect(t)) return st->pending->new_key;
  return current_key(a);
}

std::optional<RecoveryState> Registry::recovery(const AccountId& a) const {
  return recoveries_.find(a);
}

crypto::PublicKey Registry::current_key(const AccountId& a) const {
  auto st = accounts_.find(a);
  return st ? st->current : a.key;
}

}  // namespace nl::ledger
