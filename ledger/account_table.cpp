#include "ledger/account_table.h"

#include "ledger/state_keys.h"

namespace nl::ledger {

AccountTable::AccountTable() : AccountKeyedTable(keys::kAccount, "account state") {}

RecoveryTable::RecoveryTable() : AccountKeyedTable(keys::kRecovery, "recovery state") {}

}  // namespace nl::ledger
