// Read-only queries over the registry state; each is O(log n) or
// proportional to the size of its answer.
#include "ledger/registry.h"

namespace nl::ledger {

const Holding* Registry::holding(HoldingId id) const {
  auto it = holdings_.find(id);
  return it == holdings_.end() ? nullptr : &it->second;
}

std::vector<const Holding*> Registry::chain(const Resource& r) const {
  std::vector<const Holding*> out;
  for (HoldingId id : chain_ids(r)) out.push_back(&holdings_.at(id));
  return out;
}

std::vector<Segment> Registry::segments_covering(const Resource& r) const {
  std::vector<Segment> out;
  auto fm = segments_.find(r.family);
  if (fm == segments_.end()) return out;
  const auto& m = fm->second;
  auto it = m.upper_bound(r.first);
  if (it != m.begin() && std::prev(it)->second.range.last >= r.first) --it;
  for (; it != m.end() && it->first <= r.last; ++it) out.push_back(it->second);
  return out;
}

std::vector<Segment> Registry::segments_covering(const Resource& r, std::optional<u128> after_first,
                                                size_t limit) const {
  std::vector<Segment> out;
  auto fm = segments_.find(r.family);
  if (fm == segments_.end() || limit == 0) return out;
  const auto& m = fm->second;
  auto it = after_first ? m.upper_bound(*after_first) : m.upper_bound(r.first);
  if (!after_first && it != m.begin() && std::prev(it)->second.range.last >= r.first) --it;
  for (; it != m.end() && it->first <= r.last && out.size() < limit; ++it) out.push_back(it->second);
  return out;
}

Registry::Coverage Registry::coverage(const Resource& r) const {
  Coverage c;
  auto fm = segments_.find(r.family);
  if (fm == segments_.end()) return c;
  const auto& m = fm->second;
  auto it = m.upper_bound(r.first);
  if (it != m.begin() && std::prev(it)->second.range.last >= r.first) --it;
  if (it == m.end() || it->second.range.first > r.first) return c;
  const Holding* first = holding(it->second.holding);
  bool single = true;
  u128 next = r.first;
  for (; it != m.end() && it->first <= r.last; ++it) {
    if (it->second.range.first > next) return c;  // a gap
    const Holding* h = holding(it->second.holding);
    if (!h || !first || h->holder != first->holder) single = false;
    if (it->second.range.last >= r.last) {
      c.fully_held = true;
      c.sole = single ? first : nullptr;
      return c;
    }
    next = it->second.range.last + 1;
  }
  return c;
}

std::optional<Segment> Registry::segment_at(Family f, u128 point) const {
  auto fm = segments_.find(f);
  if (fm == segments_.end()) return std::nullopt;
  auto it = fm->second.upper_bound(point);
  if (it == fm->second.begin()) return std::nullopt;
  --it;
  if (it->second.range.last < point) return std::nullopt;
  return it->second;
}

std::vector<const Holding*> Registry::children(HoldingId parent) const {
  std::vector<const Holding*> out;
  auto it = children_.find(parent);
  if (it == children_.end()) return out;
  for (const auto& [first, e] : it->second.entries()) out.push_back(&holdings_.at(e.id));
  return out;
}

std::vector<const Holding*> Registry::roots(Family f) const {
  std::vector<const Holding*> out;
  auto it = roots_.find(f);
  if (it == roots_.end()) return out;
  for (const auto& [first, e] : it->second.entries()) out.push_back(&holdings_.at(e.id));
  return out;
}

std::vector<const Holding*> Registry::all_holdings() const {
  std::vector<const Holding*> out;
  out.reserve(holdings_.size());
  for (const auto& [id, h] : holdings_) out.push_back(&h);
  return out;
}

std::vector<const Holding*> Registry::holdings_of(const AccountId& a) const {
  std::vector<const Holding*> out;
  auto it = by_holder_.find(a);
  if (it == by_holder_.end()) return out;
  for (HoldingId id : it->second) out.push_back(&holdings_.at(id));
  return out;
}

std::vector<const Holding*> Registry::holdings_of(const AccountId& a, std::optional<HoldingId> after,
                                                 size_t limit) const {
  std::vector<const Holding*> out;
  auto it = by_holder_.find(a);
  if (it == by_holder_.end()) return out;
  const auto& ids = it->second;
  for (auto id = after ? ids.upper_bound(*after) : ids.begin(); id != ids.end() && out.size() < limit; ++id)
    out.push_back(&holdings_.at(*id));
  return out;
}

size_t Registry::holding_count_of(const AccountId& a) const {
  auto it = by_holder_.find(a);
  return it == by_holder_.end() ? 0 : it->second.size();
}

std::optional<AccountState> Registry::account(const AccountId& a) const {
  auto it = accounts_.find(a);
  if (it == accounts_.end()) return std::nullopt;
  return it->second;
}

uint64_t Registry::next_nonce(const AccountId& a) const {
  auto it = accounts_.find(a);
  return it == accounts_.end() ? 1 : it->second.next_nonce;
}

crypto::PublicKey Registry::effective_key(const AccountId& a, uint64_t t) const {
  if (auto it = recoveries_.find(a); it != recoveries_.end() && it->second.in_effect(t))
    return it->second.pending->new_key;
  return current_key(a);
}

std::optional<RecoveryState> Registry::recovery(const AccountId& a) const {
  auto it = recoveries_.find(a);
  if (it == recoveries_.end()) return std::nullopt;
  return it->second;
}

crypto::PublicKey Registry::current_key(const AccountId& a) const {
  auto it = accounts_.find(a);
  return it == accounts_.end() ? a.key : it->second.current;
}

}  // namespace nl::ledger
