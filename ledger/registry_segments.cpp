// The segment map: maximal runs of numbers with the same deepest covering
// holding. A change over range X recomputes X only, so the cost follows the
// holdings inside X, never the size of the whole map.
#include "ledger/registry.h"

#include <algorithm>

#include "ledger/state_keys.h"

namespace nl::ledger {

namespace {

void emit(std::vector<Segment>& out, Family f, u128 first, u128 last, HoldingId id) {
  if (!out.empty() && out.back().holding == id && out.back().range.last + 1 == first) {
    out.back().range.last = last;
    return;
  }
  out.push_back(Segment{Resource{f, first, last}, id});
}

}  // namespace

// Appends the segments of x under `owner` (0 at root level, where gaps are
// unheld and so have no segment): gaps between the entries of idx belong to
// owner, each entry's part of x to its own subtree.
void Registry::collect_segments(HoldingId owner, const IntervalIndex* idx, const Resource& x,
                                std::vector<Segment>& out) const {
  const Family f = x.family;
  u128 cursor = x.first;
  bool done = false;  // cursor ran past the family's last number
  if (idx) {
    for (const auto& [range, id] : idx->overlapping(x)) {
      u128 a = std::max(range.first, x.first);
      u128 b = std::min(range.last, x.last);
      if (owner && cursor < a) emit(out, f, cursor, a - 1, owner);
      auto kids = children_.find(id);
      if (kids == children_.end()) emit(out, f, a, b, id);
      else collect_segments(id, &kids->second, Resource{f, a, b}, out);
      if (b == x.last) {
        done = true;
        break;
      }
      cursor = b + 1;
    }
  }
  if (owner && !done) emit(out, f, cursor, x.last, owner);
}

void Registry::put_segment(const Segment& s) {
  segments_.put(s);
  dirty_.insert(keys::segment(s.range.family, s.range.first));
}

// Reads the segments over x and its two neighbours once (the one holding
// x.first - 1 and the one holding x.last + 1: on disk, one backward seek
// and a scan), works out what they become, and writes only what changed.
void Registry::recompute_segments(const Resource& x) {
  const Family f = x.family;
  const u128 lo = x.first > 0 ? x.first - 1 : x.first;
  const u128 hi = x.last < family_max(f) ? x.last + 1 : x.last;
  std::vector<Segment> before;
  segments_.scan(f, lo, [&](const Segment& s) {
    if (s.range.first > hi) return false;
    before.push_back(s);
    return true;
  });

  // After: the parts outside x kept, x recomputed, and a run of one holding
  // joined where it meets x's edges.
  std::vector<Segment> after;
  auto add = [&](const Segment& s) {
    if (!after.empty() && after.back().holding == s.holding && after.back().range.last + 1 == s.range.first)
      after.back().range.last = s.range.last;
    else
      after.push_back(s);
  };
  for (const Segment& s : before)
    if (s.range.first < x.first) add({Resource{f, s.range.first, std::min(s.range.last, x.first - 1)}, s.holding});
  std::vector<Segment> fresh;
  auto rt = roots_.find(f);
  collect_segments(0, rt == roots_.end() ? nullptr : &rt->second, x, fresh);
  for (const Segment& s : fresh) add(s);
  for (const Segment& s : before)
    if (s.range.last > x.last) add({Resource{f, std::max(s.range.first, x.last + 1), s.range.last}, s.holding});

  // Both lists are in order of first number, with no first twice.
  auto same_first = [](const std::vector<Segment>& in, u128 first) {
    auto it = std::lower_bound(in.begin(), in.end(), first,
                               [](const Segment& s, u128 v) { return s.range.first < v; });
    return it != in.end() && it->range.first == first ? &*it : nullptr;
  };
  for (const Segment& s : before)
    if (!same_first(after, s.range.first)) {
      segments_.erase(f, s.range.first);
      dirty_.insert(keys::segment(f, s.range.first));
    }
  for (const Segment& s : after)
    if (const Segment* was = same_first(before, s.range.first); !was || !(*was == s)) put_segment(s);
}

}  // namespace nl::ledger
