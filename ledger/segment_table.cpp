#include "ledger/segment_table.h"

#include "ledger/state_keys.h"

namespace nl::ledger {

namespace {

const Bytes kFirstKey{keys::kSegment};
const Bytes kEndKey{static_cast<uint8_t>(keys::kSegment + 1)};

}  // namespace

SegmentTable::SegmentTable() : entries_(kFirstKey, kEndKey, "stored segment") {}

std::optional<Segment> SegmentTable::containing(Family f, u128 point) const {
  auto s = entries_.floor(keys::segment(f, point));
  if (!s || s->second.range.family != f || s->second.range.last < point) return std::nullopt;
  return s->second;
}

std::optional<Segment> SegmentTable::starting_at(Family f, u128 first) const {
  return entries_.find(keys::segment(f, first));
}

void SegmentTable::scan(Family f, u128 from, const std::function<bool(const Segment&)>& visit) const {
  const auto holder = containing(f, from);
  Entries::Cursor c(entries_);
  for (c.seek(keys::segment(f, holder ? holder->range.first : from)); c.valid(); c.next()) {
    const Segment s = c.value();
    if (s.range.family != f || !visit(s)) return;
  }
}

void SegmentTable::put(const Segment& s) { entries_.put(keys::segment(s.range.family, s.range.first), s); }

void SegmentTable::erase(Family f, u128 first) { entries_.erase(keys::segment(f, first)); }

Status SegmentTable::load(ByteView key, ByteView value) {
  auto s = decode_value<Segment>(value, "segment");
  if (!s) return s.take_error();
  Bytes k = keys::segment(s->range.family, s->range.first);
  if (compare_keys(k, key) != 0) return fail("segment " + s->range.to_string() + " is stored under key " + to_hex(key));
  entries_.load(k, std::move(*s));
  return {};
}

}  // namespace nl::ledger
