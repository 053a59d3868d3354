// Rebuilding the registry from committed entries, restoring some of them
// (the undo of a block that was checked or refused), and the full
// consistency check (I1-I3, indexes, segments, authorizations, validator
// sets, evidence) run after a load and by tests.
#include "ledger/registry.h"

#include <algorithm>
#include <stdexcept>

#include "ledger/state_keys.h"

namespace nl::ledger {

namespace {

std::string key_hex(ByteView key) { return to_hex(key); }

}  // namespace

// Entries come in key order from the store, which is each map's order: a
// hint at the end makes each insert constant time.
Status Registry::load_entry(ByteView key, ByteView value) {
  if (key.empty()) return fail("empty state key");
  switch (key[0]) {
    case keys::kAccount:
      return accounts_.load(key, value);
    case keys::kRecovery:
      return recoveries_.load(key, value);
    case keys::kHolding: {
      auto h = decode_value<Holding>(value, "holding");
      if (!h) return h.take_error();
      if (keys::holding(h->id) != Bytes(key.begin(), key.end()))
        return fail("holding #" + std::to_string(h->id) + " is stored under key " + key_hex(key));
      // The indexes are built in finish_load; on disk the holding itself stays there.
      loading_.push_back({h->id, h->parent, h->range, h->holder});
      holdings_.load(*h);
      return {};
    }
    case keys::kSegment:
      return segments_.load(key, value);
    case keys::kAuthorization:
      return authorizations_.load(key, value);
    case keys::kMeta: {
      if (keys::next_holding_id() != Bytes(key.begin(), key.end()))
        return fail("unknown meta key " + key_hex(key));
      auto v = decode_all<uint64_t>(value, "next holding id", [](Reader& r) { return r.u64(); });
      if (!v) return v.take_error();
      next_id_ = *v;
      return {};
    }
    case keys::kValidatorSet: {
      if (key.size() != 9) return fail("validator set key " + key_hex(key) + " has the wrong length");
      auto set = decode_value<ValidatorSet>(value, "validator set");
      if (!set) return set.take_error();
      validator_sets_[Reader(key.subspan(1)).u64()] = std::move(*set);
      return {};
    }
    case keys::kEvidence: {
      auto e = decode_value<CommittedEvidence>(value, "committed evidence");
      if (!e) return e.take_error();
      Bytes k = e->evidence.state_key();
      if (k != Bytes(key.begin(), key.end()))
        return fail("evidence against " + e->evidence.offender().hex() + " is stored under key " + key_hex(key));
      evidence_[std::move(k)] = std::move(*e);
      return {};
    }
  }
  return fail("unknown state key " + key_hex(key));
}

Status Registry::finish_load() {
  roots_.clear();
  children_.clear();
  by_holder_.clear();
  std::vector<Indexed> loaded = std::move(loading_);
  loading_ = {};
  // Key order is id order, but a load may come in any order.
  std::sort(loaded.begin(), loaded.end(), [](const Indexed& a, const Indexed& b) { return a.id < b.id; });
  auto find = [&](HoldingId id) -> const Indexed* {
    auto it = std::lower_bound(loaded.begin(), loaded.end(), id, [](const Indexed& h, HoldingId v) { return h.id < v; });
    return it != loaded.end() && it->id == id ? &*it : nullptr;
  };
  for (const Indexed& h : loaded) {
    const HoldingId id = h.id;
    const Indexed* parent = h.parent != 0 ? find(h.parent) : nullptr;
    if (h.parent != 0 && !parent)
      return fail("holding #" + std::to_string(id) + " names missing parent #" + std::to_string(h.parent));
    if (parent && parent->range.family != h.range.family)
      return fail("holding #" + std::to_string(id) + " is not of its parent's family");
    IntervalIndex& idx = sibling_index(h.parent, h.range.family);
    if (auto hit = idx.first_overlap(h.range))
      return fail("holding #" + std::to_string(id) + " (" + h.range.to_string() +
                  ") overlaps its sibling holding #" + std::to_string(hit->second));
    idx.insert(h.range, id);
  }
  // By holder, from sorted pairs: one lookup per holder, each id at the end of its set.
  std::vector<std::pair<AccountId, HoldingId>> held;
  held.reserve(loaded.size());
  for (const Indexed& h : loaded) held.emplace_back(h.holder, h.id);
  loaded = {};
  std::sort(held.begin(), held.end());
  size_t holders = 0;
  for (size_t i = 0; i < held.size(); ++i) holders += i == 0 || held[i].first != held[i - 1].first;
  by_holder_.reserve(holders);
  std::set<HoldingId>* set = nullptr;
  for (size_t i = 0; i < held.size(); ++i) {
    if (i == 0 || held[i].first != held[i - 1].first) set = &by_holder_[held[i].first];
    set->emplace_hint(set->end(), held[i].second);
  }
  dirty_.clear();
  // The full check (check_invariants) is the caller's: a start runs it
  // with --verify-state, tests after every load.
  return {};
}

namespace {

// Values handed to restore() come from this node's own committed state; one
// that does not decode is a bug, not an input error.
template <class T>
T restored(const StateWrite& e, std::string_view what) {
  auto v = decode_value<T>(*e.value, what);
  if (!v) throw std::logic_error("restore: " + v.error());
  return std::move(*v);
}

}  // namespace

void Registry::restore(const std::vector<StateWrite>& entries) {
  std::set<HoldingId> parents;  // children indexes to drop if left empty
  // Take every restored holding out of the indexes first, so that putting
  // the old ones back never meets a stale sibling.
  for (const auto& e : entries) {
    if (e.key.empty() || e.key[0] != keys::kHolding) continue;
    HoldingId id = Reader(ByteView(e.key).subspan(1)).u64();
    auto h = holdings_.find(id);
    if (!h) continue;
    parents.insert(h->parent);
    detach(id);
    auto bh = by_holder_.find(h->holder);
    bh->second.erase(id);
    if (bh->second.empty()) by_holder_.erase(bh);
    holdings_.erase(id);
  }
  for (const auto& e : entries) {
    if (e.key.empty()) continue;
    Reader r(ByteView(e.key).subspan(1));
    switch (e.key[0]) {
      case keys::kHolding:
        holdings_.restore(e.key, e.value);
        if (e.value) {
          Holding h = restored<Holding>(e, "holding");
          parents.insert(h.parent);
          sibling_index(h).insert(h.range, h.id);
          by_holder_[h.holder].insert(h.id);
        }
        break;
      case keys::kSegment:
        segments_.restore(e.key, e.value);
        break;
      case keys::kAccount:
        accounts_.restore(e.key, e.value);
        break;
      case keys::kRecovery:
        recoveries_.restore(e.key, e.value);
        break;
      case keys::kAuthorization:
        authorizations_.restore(e.key, e.value);
        break;
      case keys::kMeta:
        if (e.value) next_id_ = Reader(*e.value).u64();
        break;
      case keys::kValidatorSet: {
        uint64_t from = r.u64();
        if (e.value) validator_sets_[from] = restored<ValidatorSet>(e, "validator set");
        else validator_sets_.erase(from);
        break;
      }
      case keys::kEvidence:
        if (e.value) evidence_[e.key] = restored<CommittedEvidence>(e, "committed evidence");
        else evidence_.erase(e.key);
        break;
    }
  }
  parents.erase(0);
  for (HoldingId p : parents)
    if (auto it = children_.find(p); it != children_.end() && it->second.empty()) children_.erase(it);
  dirty_.clear();
}

Status Registry::check_invariants() const {
  size_t indexed = 0;
  // I1 (parent 0) and I3: entries of one index are disjoint; I2: inside parent.
  auto check_index = [&](const IntervalIndex& idx, HoldingId parent) -> Status {
    const std::optional<Holding> p = parent ? holding(parent) : std::nullopt;
    if (parent && !p) return fail("children index of missing holding #" + std::to_string(parent));
    std::optional<u128> prev_last;
    for (const auto& [first, e] : idx.entries()) {
      ++indexed;
      const std::optional<Holding> h = holding(e.id);
      std::string name = "holding #" + std::to_string(e.id);
      if (!h) return fail("index names missing " + name);
      if (h->parent != parent)
        return fail(name + " is indexed under #" + std::to_string(parent) + " but its parent is #" +
                    std::to_string(h->parent));
      if (h->range.first != first || h->range.last != e.last || h->range.family != idx.family())
        return fail(name + " is indexed with a stale range");
      if (prev_last && *prev_last >= first)
        return fail(std::string(parent ? "I3" : "I1") + ": " + name + " overlaps a sibling");
      if (p && !p->range.contains(h->range))
        return fail("I2: " + name + " (" + h->range.to_string() + ") is not inside its parent #" +
                    std::to_string(parent) + " (" + p->range.to_string() + ")");
      prev_last = e.last;
    }
    return {};
  };
  for (const auto& [f, idx] : roots_)
    if (auto s = check_index(idx, 0); !s) return s;
  for (const auto& [p, idx] : children_) {
    if (idx.empty()) return fail("empty children index for #" + std::to_string(p));
    if (auto s = check_index(idx, p); !s) return s;
  }
  if (indexed != holdings_.size())
    return fail(std::to_string(holdings_.size()) + " holdings but " + std::to_string(indexed) +
                " index entries");

  size_t by_holder_count = 0;
  for (const auto& [a, set] : by_holder_) {
    by_holder_count += set.size();
    for (HoldingId id : set) {
      const std::optional<Holding> h = holding(id);
      if (!h || h->holder != a) return fail("by-holder index is stale for holding #" + std::to_string(id));
    }
  }
  if (by_holder_count != holdings_.size()) return fail("by-holder index misses holdings");

  Status each;
  size_t stored = 0;
  holdings_.scan([&](const Holding& h) {
    ++stored;
    if (h.id == 0 || h.id >= next_id_) each = fail("holding #" + std::to_string(h.id) + " is not below the next id");
    else if (h.kind != HoldingKind::lease && h.lease_until != 0)
      each = fail("holding #" + std::to_string(h.id) + " is not a lease but has an expiry");
    return bool(each);
  });
  if (!each) return each;
  if (stored != holdings_.size())
    return fail("the registry counts " + std::to_string(holdings_.size()) + " holdings but holds " +
                std::to_string(stored));

  // Segments must equal a from-scratch recomputation, family by family.
  for (Family f : {Family::ipv4, Family::ipv6, Family::asn}) {
    std::vector<Segment> want;
    auto rt = roots_.find(f);
    if (rt != roots_.end()) collect_segments(0, &rt->second, Resource{f, 0, family_max(f)}, want);
    std::vector<Segment> have;
    segments_.scan(f, 0, [&](const Segment& s) {
      have.push_back(s);
      return true;
    });
    if (have != want) {
      size_t i = 0;
      while (i < have.size() && i < want.size() && have[i] == want[i]) ++i;
      std::string at = i < want.size() ? want[i].range.to_string() + " of holding #" + std::to_string(want[i].holding)
                                       : "the end";
      return fail("segment map of " + std::string(family_name(f)) + " differs from a recomputation at " + at);
    }
  }

  // A chain's registry holds sets from height 1 on; a bare registry none.
  if (!validator_sets_.empty() && validator_sets_.begin()->first != 1)
    return fail("the first validator set is from height " + std::to_string(validator_sets_.begin()->first) +
                ", not 1");
  for (const auto& [from, set] : validator_sets_)
    if (auto s = set.validate(); !s) return fail("validator set from height " + std::to_string(from) + ": " + s.error());
  for (const auto& [key, e] : evidence_) {
    if (key != e.evidence.state_key())
      return fail("evidence against " + e.evidence.offender().hex() + " has a stale key");
  }

  Status authorizations;
  size_t counted = 0;
  authorizations_.for_each([&](const Bytes& key, const Authorization& a) {
    ++counted;
    if (key != keys::authorization(a.prefix, a.max_length, a.asn))
      authorizations = fail("authorization " + a.prefix.to_string() + " has a stale key");
    else if (auto s = covers_all(a.prefix, a.issuer, nullptr); !s)
      authorizations = fail("authorization " + a.prefix.to_string() + " outlived its issuer's control: " + s.error());
    return bool(authorizations);
  });
  if (!authorizations) return authorizations;
  if (counted != authorizations_.size())
    return fail("the registry counts " + std::to_string(authorizations_.size()) + " authorizations but holds " +
                std::to_string(counted));
  return {};
}

}  // namespace nl::ledger
