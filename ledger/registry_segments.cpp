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

// Joins the segment ending just before `boundary` with the one starting at
// it when both belong to the same holding.
void Registry::merge_segments_at(Family f, u128 boundary) {
  if (boundary == 0) return;
  const auto right = segments_.starting_at(f, boundary);
  if (!right) return;
  auto left = segments_.containing(f, boundary - 1);
  if (!left || left->holding != right->holding) return;
  left->range.last = right->range.last;
  segments_.put(*left);
  segments_.erase(f, boundary);
  dirty_.insert(keys::segment(f, left->range.first));
  dirty_.insert(keys::segment(f, boundary));
}

void Registry::recompute_segments(const Resource& x) {
  const Family f = x.family;

  // Cut x out of the map, keeping the outside parts of segments it splits.
  std::vector<Segment> cut;
  segments_.scan(f, x.first, [&](const Segment& s) {
    if (s.range.first > x.last) return false;
    cut.push_back(s);
    return true;
  });
  std::vector<Segment> outside;
  for (const Segment& s : cut) {
    segments_.erase(f, s.range.first);
    dirty_.insert(keys::segment(f, s.range.first));
    if (s.range.first < x.first) outside.push_back({Resource{f, s.range.first, x.first - 1}, s.holding});
    if (s.range.last > x.last) outside.push_back({Resource{f, x.last + 1, s.range.last}, s.holding});
  }
  for (const auto& s : outside) put_segment(s);

  std::vector<Segment> fresh;
  auto rt = roots_.find(f);
  collect_segments(0, rt == roots_.end() ? nullptr : &rt->second, x, fresh);
  for (const auto& s : fresh) put_segment(s);

  if (x.first > 0) merge_segments_at(f, x.first);
  if (x.last < family_max(f)) merge_segments_at(f, x.last + 1);
}

}  // namespace nl::ledger
