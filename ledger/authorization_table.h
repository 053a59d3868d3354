// The registry's origin authorizations, ordered by state key
// (keys::authorization: family, first, last, max length, origin AS), with
// the overlap lookup the lapse rule and the API need. Held in memory or
// read from the store, as stored_entries.h says.
//
// At registry scale (800,000 validated ROA payloads) the authorizations
// were the largest part of the in-memory state; on disk they cost only
// RocksDB's bounded block cache and a count per prefix length.
#pragma once
#include <array>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "crypto/basics/result.h"
#include "ledger/holding.h"
#include "ledger/stored_entries.h"

namespace nl::ledger {

class AuthorizationTable {
 public:
  using Keyed = std::pair<Bytes, Authorization>;

  AuthorizationTable();

  // From now on the committed entries are read through `reader`; the table
  // must be empty (load() then only counts what the store holds).
  void read_from(std::shared_ptr<const StateReader> reader);

  size_t size() const { return count_; }
  bool contains(const Bytes& key) const { return find(key).has_value(); }
  std::optional<Authorization> find(const Bytes& key) const;
  // `key` is keys::authorization of `a`; insert needs it absent and erase
  // present (the rules check first).
  void insert(Bytes key, const Authorization& a);
  void erase(const Bytes& key);

  // The keys of the authorizations whose prefix overlaps r, sorted, at
  // most `limit`, each after `after`.
  std::vector<Bytes> keys_overlapping(const Resource& r, const std::optional<Bytes>& after, size_t limit) const;
  // Up to `limit` entries after `after` (from the first without it).
  std::vector<Keyed> page(const std::optional<Bytes>& after, size_t limit) const;
  // Every entry in key order until `visit` returns false.
  void for_each(const std::function<bool(const Bytes& key, const Authorization& a)>& visit) const;

  // A committed entry as the store holds it, in key order: kept in
  // memory, or only counted on disk. Checks that the key is the entry's.
  Status load(ByteView key, ByteView value);
  // Sets `key` back to `value` (nullopt: absent), the encoded entry of a
  // consistent state: an undo, or a prepared block's effects replayed.
  void restore(const Bytes& key, const std::optional<Bytes>& value);
  // The store now holds every change made so far (a block was appended, or
  // undone back to it): on disk, the pending changes are forgotten.
  void settle() { entries_.settle(); }
  // The pending changes (on disk) or entries (in memory) held here.
  size_t held() const { return entries_.held(); }
  // Rises with every insert, erase and restore: a reader of the whole table
  // (the RTR cache) reads it again only when this moved.
  uint64_t changes() const { return changes_; }

 private:
  // keys::authorization: kind, family, first, last, max length, AS.
  static constexpr size_t kKeyBytes = 1 + 1 + 16 + 16 + 1 + 4;
  using Cursor = StoredEntries<Authorization, kKeyBytes>::Cursor;
  // Keeps count_ and by_length_ as `key` goes from present to absent or back.
  void counted(const Bytes& key, bool was, bool now);

  StoredEntries<Authorization, kKeyBytes> entries_;
  size_t count_ = 0;
  uint64_t changes_ = 0;
  // How many authorizations have each prefix length, per IP family: the
  // overlap lookup probes only the lengths in use.
  std::array<std::array<uint32_t, 129>, 2> by_length_{};
};

}  // namespace nl::ledger
