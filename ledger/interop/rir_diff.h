// Real changes between two snapshots of registry statistics, as signed
// transactions that take a ledger built from the old snapshot to the new
// one:
//   - a record gone, or changed in range or status: `return` by its holder;
//   - the same range under another organisation: `transfer` by the old
//     holder, co-signed by the new one, then `set-metadata` by the new
//     holder (its opaque-id and country);
//   - a new record (or the new shape of a changed one): `delegate` by the
//     holder of the deepest holding that contains it (its registry's IANA
//     designation, or the IANA root), then `set-metadata` by the recipient,
//     since delegate carries no metadata;
//   - the same range, organisation and status with another country:
//     `set-metadata` by the holder.
// Returns come first (they free space), then transfers, then delegations.
// What no transaction can express is reported, not approximated: a changed
// registration date alone (holdings carry no date).
//
// Every transaction is applied, as it is made, to an in-memory registry
// built from the old genesis, so nonces are what the ledger will expect
// and a transaction the rules would refuse is never written.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "crypto/basics/result.h"
#include "ledger/genesis.h"
#include "ledger/interop/rir_import.h"
#include "ledger/interop/rir_keystore.h"
#include "ledger/transaction.h"

namespace nl::ledger {

struct RirDiff {
  std::vector<Transaction> txs;  // in apply order
  uint64_t returns = 0, transfers = 0, delegations = 0, metadata_updates = 0, unchanged = 0;
  // Changes no transaction expresses, and anything the rules refused.
  std::vector<Inconsistency> inexpressible;
};

// old_genesis: the genesis the ledger was built from (import of OLD).
// genesis_hash: the hash of the ledger's genesis file, which every
// transaction binds (old_genesis.hash() when old_genesis is that file).
// old_records/new_records: the records each import placed. Keys of new
// organisations are created in `keys` (not saved).
// old_files/new_files name the records' files in the findings.
Result<RirDiff> diff_rir(const Genesis& old_genesis, const crypto::Hash32& genesis_hash,
                         const std::vector<ImportedRecord>& old_records,
                         const std::vector<std::string>& old_files, const std::vector<ImportedRecord>& new_records,
                         const std::vector<std::string>& new_files, RirKeystore& keys);

}  // namespace nl::ledger
