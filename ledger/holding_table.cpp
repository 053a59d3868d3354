#include "ledger/holding_table.h"

#include <stdexcept>
#include <string>

#include "ledger/state_keys.h"

namespace nl::ledger {

namespace {

const Bytes kFirstKey{keys::kHolding};
const Bytes kEndKey{static_cast<uint8_t>(keys::kHolding + 1)};

}  // namespace

HoldingTable::HoldingTable() : entries_(kFirstKey, kEndKey, "stored holding") {}

std::optional<Holding> HoldingTable::find(HoldingId id) const { return entries_.find(keys::holding(id)); }

Holding HoldingTable::at(HoldingId id) const {
  auto h = find(id);
  if (!h) throw std::logic_error("holding #" + std::to_string(id) + " is indexed but not stored");
  return std::move(*h);
}

void HoldingTable::insert(const Holding& h) {
  entries_.put(keys::holding(h.id), h);
  ++count_;
}

void HoldingTable::replace(const Holding& h) { entries_.put(keys::holding(h.id), h); }

void HoldingTable::erase(HoldingId id) {
  entries_.erase(keys::holding(id));
  --count_;
}

void HoldingTable::load(const Holding& h) {
  entries_.load(keys::holding(h.id), h);
  ++count_;
}

void HoldingTable::restore(const Bytes& key, const std::optional<Bytes>& value) {
  const bool was = entries_.restore(key, value);
  count_ = count_ - was + value.has_value();
}

void HoldingTable::scan(const std::function<bool(const Holding&)>& visit) const {
  Entries::Cursor c(entries_);
  for (c.seek(kFirstKey); c.valid(); c.next())
    if (!visit(c.value())) return;
}

}  // namespace nl::ledger
