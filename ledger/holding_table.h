// The holdings, keyed by keys::holding (kind, id). Held in memory or read
// from the store, as stored_entries.h says: at registry scale about
// 550,000 holdings with their metadata, which a chain's registry no longer
// keeps in memory. The indexes over them (by parent and range, by holder)
// are the registry's.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>

#include "crypto/basics/result.h"
#include "ledger/holding.h"
#include "ledger/stored_entries.h"

namespace nl::ledger {

class HoldingTable {
 public:
  HoldingTable();

  // From now on the committed holdings are read through `reader`; the
  // table must be empty (load() then only counts what the store holds).
  void read_from(std::shared_ptr<const StateReader> reader);

  std::optional<Holding> find(HoldingId id) const;
  // A holding an index names: one that is missing is a bug or a broken
  // disk, so it throws std::logic_error.
  Holding at(HoldingId id) const;
  bool contains(HoldingId id) const { return find(id).has_value(); }
  // A new holding, or (replace) a changed one.
  void insert(const Holding& h);
  void replace(const Holding& h);
  void erase(HoldingId id);

  // A committed holding as the store holds it, in key order.
  void load(const Holding& h);
  // As StoredEntries::restore.
  void restore(const Bytes& key, const std::optional<Bytes>& value);
  // The store now holds every change made so far.
  void settle() { on_disk_.settle(); }
  // How many holdings there are.
  size_t size() const { return count_; }
  // The pending changes (on disk) or holdings (in memory) held here.
  size_t held() const { return disk_ ? on_disk_.held() : in_memory_.size(); }
  // Every holding in id order, until `visit` returns false.
  void scan(const std::function<bool(const Holding&)>& visit) const;

 private:
  // keys::holding: kind, id.
  static constexpr size_t kKeyBytes = 1 + 8;
  using Entries = StoredEntries<Holding, kKeyBytes>;
  // On disk, the store's holdings with the pending changes over them. In
  // memory, every holding by id: an import looks holdings up millions of
  // times, and a hash map is what made that fast.
  bool disk_ = false;
  Entries on_disk_;
  std::unordered_map<HoldingId, Holding> in_memory_;
  size_t count_ = 0;
};

}  // namespace nl::ledger
