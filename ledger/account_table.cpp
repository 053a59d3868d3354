#include "ledger/account_table.h"

namespace nl::ledger {

AccountTable::AccountTable() : AccountKeyedTable(keys::account, "account state") {}

RecoveryTable::RecoveryTable() : AccountKeyedTable(keys::recovery, "recovery state") {}

}  // namespace nl::ledger
