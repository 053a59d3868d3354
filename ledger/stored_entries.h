// One kind of committed state entry (the keys in [first, end)), held in
// one of two ways.
//
// In memory, every entry is here: a genesis being built, an import's
// check, a bare registry in a test. On disk (a chain's registry,
// read_from()), the committed entries are read from the store through a
// StateReader and only the changes not yet stored are held here, a
// deletion as a tombstone; settle() forgets them once the store holds
// them. Either way the answers are the same: the committed entries with
// the pending changes over them. The authorization, segment and account
// tables are built on this.
#pragma once
#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "ledger/canonical.h"
#include "ledger/state_reader.h"

namespace nl::ledger {

// Byte order, as the store orders keys.
inline int compare_keys(ByteView a, ByteView b) {
  const size_t n = std::min(a.size(), b.size());
  if (int c = n ? std::memcmp(a.data(), b.data(), n) : 0; c != 0) return c;
  return a.size() < b.size() ? -1 : a.size() > b.size() ? 1 : 0;
}

// A stored value of V, which every stored entry was checked to be when the
// chain opened (load): one that fails now is a broken disk.
template <class V>
V decode_stored(ByteView value, std::string_view what) {
  auto v = decode_value<V>(value, what);
  if (!v) throw std::runtime_error(v.error());
  return std::move(*v);
}

// A key of at most N bytes held inline: no allocation of its own for each
// held entry (an import holds 1.7 million at registry scale).
template <size_t N>
class InlineKey {
 public:
  explicit InlineKey(ByteView k) : size_(static_cast<uint8_t>(k.size())) {
    static_assert(N < 256);
    if (k.size() > N)
      throw std::logic_error("a state key of " + std::to_string(k.size()) + " bytes, over " + std::to_string(N));
    std::memcpy(b_.data(), k.data(), k.size());
  }
  ByteView view() const { return {b_.data(), size_}; }
  Bytes bytes() const { return Bytes(b_.begin(), b_.begin() + size_); }
  friend bool operator<(const InlineKey& a, const InlineKey& b) { return compare_keys(a.view(), b.view()) < 0; }

 private:
  std::array<uint8_t, N> b_;
  uint8_t size_;
};

// Entries of V under keys of at most KeyBytes bytes.
template <class V, size_t KeyBytes>
class StoredEntries {
 public:
  using Key = InlineKey<KeyBytes>;
  using Keyed = std::pair<Bytes, V>;
  using Held = std::map<Key, std::optional<V>>;

  // `what` names a value in errors ("segment").
  StoredEntries(Bytes first, Bytes end, std::string what)
      : first_(std::move(first)), end_(std::move(end)), what_(std::move(what)) {}

  // From now on the committed entries are read through `reader`; nothing
  // may be held yet.
  void read_from(std::shared_ptr<const StateReader> reader) {
    if (!held_.empty()) throw std::logic_error("read_from on filled " + what_ + " entries");
    reader_ = std::move(reader);
  }

  std::optional<V> find(const Bytes& key) const {
    if (key.size() <= KeyBytes)
      if (auto it = held_.find(Key(key)); it != held_.end()) return it->second;
    if (!reader_) return std::nullopt;
    auto v = reader_->get(key);
    if (!v) return std::nullopt;
    return decode_stored<V>(*v, what_);
  }
  // Whether the store (not the held changes) has `key`.
  bool stored(const Bytes& key) const { return reader_ && reader_->get(key).has_value(); }

  void put(const Bytes& key, V v) { held_.insert_or_assign(Key(key), std::move(v)); }
  void erase(const Bytes& key) {
    // A tombstone only hides what the store holds.
    if (stored(key))
      held_.insert_or_assign(Key(key), std::nullopt);
    else
      held_.erase(Key(key));
  }
  // A committed entry as the store holds it, in key order: kept in memory,
  // or (on disk) already where it is read from.
  void load(const Bytes& key, V v) {
    // A hint at the end makes each insert in key order constant time.
    if (!reader_) held_.insert_or_assign(held_.end(), Key(key), std::move(v));
  }
  // Sets `key` back to `value` (nullopt: absent), the encoded entry of a
  // consistent state: an undo, or a prepared block's effects replayed.
  // Returns whether `key` was present before.
  bool restore(const Bytes& key, const std::optional<Bytes>& value) {
    // One read of the store serves both whether the key was present and
    // whether the value to restore is the store's.
    const std::optional<Bytes> on_store = reader_ ? reader_->get(key) : std::nullopt;
    const auto held = held_.find(Key(key));
    const bool was = held != held_.end() ? held->second.has_value() : on_store.has_value();
    // On disk, held only where it differs from the store: an undo leaves nothing.
    if (reader_ ? on_store == value : !value) {
      if (held != held_.end()) held_.erase(held);
      return was;
    }
    held_.insert_or_assign(Key(key), value ? std::optional<V>(decode_stored<V>(*value, what_)) : std::nullopt);
    return was;
  }
  // The store now holds every change made so far: on disk, let them go.
  void settle() {
    if (reader_) held_.clear();
  }
  // The pending changes (on disk) or entries (in memory) held here.
  size_t held() const { return held_.size(); }

  // The last entry at or before `key`, within the kind's keys.
  std::optional<Keyed> floor(const Bytes& key) const {
    std::optional<Keyed> best;
    // Held: the last change at or before key that is not a tombstone.
    const ByteView at = key;  // a longer key sorts just after its first KeyBytes bytes
    for (auto it = held_.upper_bound(Key(at.first(std::min(at.size(), KeyBytes)))); it != held_.begin();) {
      --it;
      if (compare_keys(it->first.view(), first_) < 0) break;
      if (it->second) {
        best.emplace(it->first.bytes(), *it->second);
        break;
      }
    }
    if (!reader_) return best;
    // Stored: the last entry at or before key that no held change hides;
    // a hidden one below a held value loses to it anyway.
    auto c = reader_->cursor(first_, end_);
    for (c->seek_for_prev(key); c->valid(); c->prev()) {
      const Bytes k(c->key().begin(), c->key().end());
      if (best && k <= best->first) break;
      if (held_.count(Key(k))) continue;
      best.emplace(k, decode_stored<V>(c->value(), what_));
      break;
    }
    return best;
  }

  // The held entries merged over the store's, in key order: a held key
  // hides the store's entry of the same key, a held tombstone altogether.
  class Cursor {
   public:
    explicit Cursor(const StoredEntries& e)
        : e_(e), disk_(e.reader_ ? e.reader_->cursor(e.first_, e.end_) : nullptr), at_(e.held_.end()) {}
    void seek(ByteView key) {
      // A key longer than any held one (an API's page cursor) sorts just
      // after its first KeyBytes bytes.
      at_ = key.size() > KeyBytes ? e_.held_.upper_bound(Key(key.first(KeyBytes))) : e_.held_.lower_bound(Key(key));
      if (disk_) disk_->seek(key);
      settle();
    }
    bool valid() const { return from_held_ || from_disk_; }
    void next() {
      if (from_held_)
        ++at_;
      else
        disk_->next();
      settle();
    }
    ByteView key() const { return from_held_ ? at_->first.view() : disk_->key(); }
    V value() const { return from_held_ ? *at_->second : decode_stored<V>(disk_->value(), e_.what_); }

   private:
    void settle() {
      from_held_ = from_disk_ = false;
      for (;;) {
        const bool held = at_ != e_.held_.end() && compare_keys(at_->first.view(), e_.end_) < 0;
        const bool disk = disk_ && disk_->valid();
        if (!held && !disk) return;
        const int c = held && disk ? compare_keys(at_->first.view(), disk_->key()) : held ? -1 : 1;
        if (c > 0) {
          from_disk_ = true;
          return;
        }
        if (c == 0) disk_->next();  // hidden by the held entry
        if (at_->second) {
          from_held_ = true;
          return;
        }
        ++at_;  // a tombstone
      }
    }

    const StoredEntries& e_;
    std::unique_ptr<StateCursor> disk_;
    typename Held::const_iterator at_;
    bool from_held_ = false, from_disk_ = false;
  };

 private:
  Bytes first_, end_;
  std::string what_;
  std::shared_ptr<const StateReader> reader_;
  // In memory every entry; on disk the pending changes, nullopt a deletion.
  Held held_;
};

}  // namespace nl::ledger
