#include "ledger/holding_table.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "ledger/state_keys.h"

namespace nl::ledger {

namespace {

const Bytes kFirstKey{keys::kHolding};
const Bytes kEndKey{static_cast<uint8_t>(keys::kHolding + 1)};

HoldingId id_of(const Bytes& key) { return Reader(ByteView(key).subspan(1)).u64(); }

}  // namespace

HoldingTable::HoldingTable() : on_disk_(kFirstKey, kEndKey, "stored holding") {}

void HoldingTable::read_from(std::shared_ptr<const StateReader> reader) {
  if (!in_memory_.empty()) throw std::logic_error("read_from on filled holdings");
  on_disk_.read_from(std::move(reader));
  disk_ = true;
}

std::optional<Holding> HoldingTable::find(HoldingId id) const {
  if (disk_) return on_disk_.find(keys::holding(id));
  auto it = in_memory_.find(id);
  if (it == in_memory_.end()) return std::nullopt;
  return it->second;
}

Holding HoldingTable::at(HoldingId id) const {
  auto h = find(id);
  if (!h) throw std::logic_error("holding #" + std::to_string(id) + " is indexed but not stored");
  return std::move(*h);
}

void HoldingTable::insert(const Holding& h) {
  replace(h);
  ++count_;
}

void HoldingTable::replace(const Holding& h) {
  if (disk_)
    on_disk_.put(keys::holding(h.id), h);
  else
    in_memory_.insert_or_assign(h.id, h);
}

void HoldingTable::erase(HoldingId id) {
  if (disk_)
    on_disk_.erase(keys::holding(id));
  else
    in_memory_.erase(id);
  --count_;
}

void HoldingTable::load(const Holding& h) {
  if (!disk_) in_memory_.insert_or_assign(h.id, h);
  ++count_;
}

void HoldingTable::restore(const Bytes& key, const std::optional<Bytes>& value) {
  bool was;
  if (disk_) {
    was = on_disk_.restore(key, value);
  } else {
    was = in_memory_.erase(id_of(key)) > 0;
    if (value) in_memory_.insert_or_assign(id_of(key), decode_stored<Holding>(*value, "stored holding"));
  }
  count_ = count_ - was + value.has_value();
}

void HoldingTable::scan(const std::function<bool(const Holding&)>& visit) const {
  if (!disk_) {
    std::vector<HoldingId> ids;
    ids.reserve(in_memory_.size());
    for (const auto& [id, h] : in_memory_) ids.push_back(id);
    std::sort(ids.begin(), ids.end());
    for (HoldingId id : ids)
      if (!visit(in_memory_.at(id))) return;
    return;
  }
  Entries::Cursor c(on_disk_);
  for (c.seek(kFirstKey); c.valid(); c.next())
    if (!visit(c.value())) return;
}

}  // namespace nl::ledger
