// Bootstrapping a ledger from institutional data: RIR statistics files,
// IANA's registries and (optionally) validated ROA payloads become a
// genesis.
//
// The tree:
//   - IANA at the root: one root per family (0.0.0.0/0, ::/0,
//     AS0-AS4294967295) held by the "iana" account;
//   - with IANA's CSVs, each designation to an RIR (a /8, an IPv6 block) is
//     a holding of that registry's account under the root; what IANA keeps
//     (reserved, multicast, special use) stays with the root;
//   - each allocated or assigned record is a holding of its organisation's
//     account (one per opaque-id; registry+cc+date without one) under the
//     registry's designation that contains it, or under the root where there
//     is no designation (ASNs, or no CSVs). IPv4 counts that are not a
//     power of two are kept as exact ranges.
// Available and reserved records are counted in the report but make no
// holding: nobody holds them, so the space stays with the registry.
//
// Records are placed in address order. A record that overlaps or repeats
// an earlier one is reported and left out. One that is not inside its own
// registry's IANA space is reported (outside-iana) and still imported:
// under the designation that contains it (inter-RIR transfers move space
// without IANA's files changing: 8.7k of LACNIC's records lie in other
// RIRs' /8s), or under the root in space IANA keeps. Only a record that
// straddles the edge of a designation, so that no holding can contain it,
// is left out. Nothing is dropped without a line in the report.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto/basics/result.h"
#include "ledger/genesis.h"
#include "ledger/interop/rir_keystore.h"
#include "ledger/interop/rir_report.h"
#include "ledger/interop/rir_stats.h"
#include "ledger/registry.h"

namespace nl::ledger {

struct ImportOptions {
  std::vector<std::string> stats_files;
  std::optional<std::string> iana_ipv4, iana_ipv6;  // IANA's CSVs
  std::vector<std::string> vrp_files;               // Routinator json or csv
  std::string chain_id;
  std::vector<AccountId> validators;  // power 1 each
  uint64_t genesis_time = 0;
  unsigned key_threads = 0;  // 0: one per core
  // Whether ImportResult::records is filled (import diff compares them);
  // without, they are freed as soon as the tree is built.
  bool keep_records = true;
  // Hand out the registry that checked the tree (ImportResult::tree_check)
  // rather than free it before returning.
  bool keep_tree_check = false;
  // Called at each stage with a line for the operator (stderr in the CLI).
  std::function<void(const std::string&)> progress;
};

// A record that became a holding.
struct ImportedRecord {
  RirRecord rec;
  size_t file = 0;  // index into ImportOptions::stats_files
  std::string org() const;  // the keystore name of its organisation
};

struct ImportResult {
  Genesis genesis;
  ImportReport report;
  std::vector<ImportedRecord> records;  // imported records, in address order (with keep_records)
  // The registry the genesis was loaded into as a node would, to check it
  // (and to place the VRPs), with keep_tree_check. Nothing needs it after;
  // it is handed out so that a caller can free its ~400 MB of small blocks
  // on a core of its choosing (import rir: while the keystore is written).
  std::unique_ptr<Registry> tree_check;
};

// The keystore name of a record's organisation, of a registry, of IANA.
std::string org_name(const RirRecord& r);
std::string registry_org(const std::string& registry);
inline constexpr const char* kIanaOrg = "iana";
// What a record's holding carries: kind from its status, metadata from its
// country, registry and opaque-id.
HoldingKind record_kind(const RirRecord& r);
Metadata record_metadata(const RirRecord& r);

// Fails only when an input can't be read at all (a missing file, an IANA
// CSV that is not one) or the built genesis does not load; everything else
// goes to the report. New accounts are added to `keys` (not saved).
Result<ImportResult> import_rir(const ImportOptions& opts, RirKeystore& keys);

}  // namespace nl::ledger
