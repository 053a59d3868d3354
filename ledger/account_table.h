// Entries keyed by account (kind, the account's 32-byte key): the
// accounts' states (nonce and current key, keys::account) and their key
// recovery settings (keys::recovery). Held in memory or read from the
// store, as stored_entries.h says: at registry scale about 150,000
// accounts, which a chain's registry no longer keeps in memory.
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "crypto/basics/result.h"
#include "ledger/account.h"
#include "ledger/holding.h"
#include "ledger/recovery.h"
#include "ledger/state_keys.h"
#include "ledger/stored_entries.h"

namespace nl::ledger {

template <class V>
class AccountKeyedTable {
 public:
  // `key_of`: the keys:: function of the entries' key, whose first byte
  // is their kind; `what` names a value in errors.
  using KeyOf = Bytes (*)(const AccountId&);
  AccountKeyedTable(KeyOf key_of, std::string what)
      : key_of_(key_of),
        kind_(key_of(AccountId{})[0]),
        what_(what),
        entries_(Bytes{kind_}, Bytes{static_cast<uint8_t>(kind_ + 1)}, "stored " + what) {}

  // From now on the committed entries are read through `reader`; the
  // table must be empty.
  void read_from(std::shared_ptr<const StateReader> reader) { entries_.read_from(std::move(reader)); }

  std::optional<V> find(const AccountId& a) const { return entries_.find(key_of_(a)); }
  void put(const AccountId& a, const V& v) { entries_.put(key_of_(a), v); }

  // A committed entry as the store holds it, in key order.
  Status load(ByteView k, ByteView value) {
    if (k.size() != kKeyBytes || k[0] != kind_) return fail(what_ + " key " + to_hex(k) + " has the wrong length");
    auto v = decode_value<V>(value, what_);
    if (!v) return v.take_error();
    entries_.load(Bytes(k.begin(), k.end()), std::move(*v));
    return {};
  }
  // As StoredEntries::restore.
  void restore(const Bytes& k, const std::optional<Bytes>& value) { entries_.restore(k, value); }
  // The store now holds every change made so far.
  void settle() { entries_.settle(); }
  // The pending changes (on disk) or entries (in memory) held here.
  size_t held() const { return entries_.held(); }

 private:
  static constexpr size_t kKeyBytes = 1 + 32;
  KeyOf key_of_;
  uint8_t kind_;
  std::string what_;
  StoredEntries<V, kKeyBytes> entries_;
};

// keys::account
class AccountTable : public AccountKeyedTable<AccountState> {
 public:
  AccountTable();
};

// keys::recovery: an account's recovery accounts, delay and pending recovery.
class RecoveryTable : public AccountKeyedTable<RecoveryState> {
 public:
  RecoveryTable();
};

}  // namespace nl::ledger
