#include "ledger/account_table.h"

#include "ledger/state_keys.h"

namespace nl::ledger {

namespace {

const Bytes kFirstKey{keys::kAccount};
const Bytes kEndKey{static_cast<uint8_t>(keys::kAccount + 1)};

}  // namespace

AccountTable::AccountTable() : entries_(kFirstKey, kEndKey, "stored account state") {}

std::optional<AccountState> AccountTable::find(const AccountId& a) const { return entries_.find(keys::account(a)); }

void AccountTable::put(const AccountId& a, const AccountState& s) { entries_.put(keys::account(a), s); }

Status AccountTable::load(ByteView key, ByteView value) {
  if (key.size() != 33) return fail("account key " + to_hex(key) + " has the wrong length");
  auto st = decode_value<AccountState>(value, "account state");
  if (!st) return st.take_error();
  entries_.load(Bytes(key.begin(), key.end()), std::move(*st));
  return {};
}

}  // namespace nl::ledger
