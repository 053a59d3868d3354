// The accounts' states (nonce and current key), keyed by keys::account.
// Held in memory or read from the store, as stored_entries.h says: at
// registry scale about 150,000 accounts, which a chain's registry no
// longer keeps in memory.
#pragma once
#include <memory>
#include <optional>

#include "crypto/basics/result.h"
#include "ledger/account.h"
#include "ledger/holding.h"
#include "ledger/stored_entries.h"

namespace nl::ledger {

class AccountTable {
 public:
  AccountTable();

  // From now on the committed states are read through `reader`; the table
  // must be empty.
  void read_from(std::shared_ptr<const StateReader> reader) { entries_.read_from(std::move(reader)); }

  std::optional<AccountState> find(const AccountId& a) const;
  void put(const AccountId& a, const AccountState& s);

  // A committed state as the store holds it, in key order.
  Status load(ByteView key, ByteView value);
  // As StoredEntries::restore.
  void restore(const Bytes& key, const std::optional<Bytes>& value) { entries_.restore(key, value); }
  // The store now holds every change made so far.
  void settle() { entries_.settle(); }
  // The pending changes (on disk) or states (in memory) held here.
  size_t held() const { return entries_.held(); }

 private:
  // keys::account: kind, the account's 32-byte key.
  static constexpr size_t kKeyBytes = 1 + 32;
  StoredEntries<AccountState, kKeyBytes> entries_;
};

}  // namespace nl::ledger
