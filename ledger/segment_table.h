// The segment map (registry_segments.cpp): maximal runs of numbers with
// the same deepest covering holding, keyed by keys::segment (family,
// first). Held in memory or read from the store, as stored_entries.h says:
// at registry scale about 600,000 segments, which a chain's registry no
// longer keeps in memory.
#pragma once
#include <functional>
#include <memory>
#include <optional>

#include "crypto/basics/result.h"
#include "ledger/holding.h"
#include "ledger/stored_entries.h"

namespace nl::ledger {

class SegmentTable {
 public:
  SegmentTable();

  // From now on the committed segments are read through `reader`; the
  // table must be empty (load() then only checks what the store holds).
  void read_from(std::shared_ptr<const StateReader> reader) { entries_.read_from(std::move(reader)); }

  // The segment that holds `point`.
  std::optional<Segment> containing(Family f, u128 point) const;
  // The segment whose first number is `first`.
  std::optional<Segment> starting_at(Family f, u128 first) const;
  // Family f's segments in order, from the one that holds `from` (or the
  // first after it), until `visit` returns false.
  void scan(Family f, u128 from, const std::function<bool(const Segment&)>& visit) const;

  // Sets the segment starting at s.range.first to s.
  void put(const Segment& s);
  void erase(Family f, u128 first);

  // A committed segment as the store holds it, in key order. Checks that
  // the key is the segment's.
  Status load(ByteView key, ByteView value);
  // As StoredEntries::restore.
  void restore(const Bytes& key, const std::optional<Bytes>& value) { entries_.restore(key, value); }
  // The store now holds every change made so far.
  void settle() { entries_.settle(); }
  // The pending changes (on disk) or segments (in memory) held here.
  size_t held() const { return entries_.held(); }

 private:
  // keys::segment: kind, family, first.
  static constexpr size_t kKeyBytes = 1 + 1 + 16;
  using Entries = StoredEntries<Segment, kKeyBytes>;
  Entries entries_;
};

}  // namespace nl::ledger
