// The one lookup behind RDAP and whois: the most specific holding that
// contains a whole query (RFC 9082/9083 "most specific" semantics), with
// its parent and the ledger events that registered and last changed it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/basics/result.h"
#include "ledger/chain.h"
#include "node/driver/shared_chain.h"
#include "ledger/holding.h"

namespace nl::node {

// A point of the ledger: a height and its block time (unix seconds).
struct LedgerMoment {
  uint64_t height = 0;
  uint64_t time = 0;
};

struct HoldingView {
  ledger::Holding holding;
  std::optional<ledger::Holding> parent;  // none under a whole-family root
  // When the space was registered: for a holding the genesis imported, the
  // date its source registry's statistics file gave (at 00:00 UTC, height
  // 0); otherwise the block that created it.
  LedgerMoment registered;
  std::string registered_by;  // the source registry that dated it, or "" (a block time)
  LedgerMoment last_changed;  // the last block that rewrote its own fields, else the one that created it
  LedgerMoment served_at;     // the tip the answer was read at
  std::string chain_id;
  bool expired_lease() const {
    return holding.kind == ledger::HoldingKind::lease && holding.lease_until <= served_at.time;
  }
};

// "NLH-12": the handle RDAP and whois give holding 12.
std::string holding_handle(ledger::HoldingId id);
// The id in a handle ("NLH-12", any case), or nullopt if it is none.
std::optional<ledger::HoldingId> parse_holding_handle(std::string_view text);

// A root spanning a whole family (0.0.0.0/0, ::/0, AS0-AS4294967295, as an
// RIR import makes them) stands for unregistered space: lookups never
// answer with it, and it is no holding's parent in an answer.
bool unregistered_default(const ledger::Holding& h);

// A query as answers name it: a single address without "/32" or "/128",
// anything else in its resource text form.
std::string query_text(const ledger::Resource& query);

// Query syntaxes. Errors say what was expected; echoed input is made
// printable ASCII and truncated, so it is safe in any answer.
// RDAP /ip/: one address or one CIDR prefix (RFC 9082 §3.1.1).
Result<ledger::Resource> parse_ip_query(std::string_view text);
// RDAP /autnum/: an ASplain number; "AS64496" is accepted too.
Result<ledger::Resource> parse_autnum_query(std::string_view text);
// whois: any resource text form (address, prefix, range, ASN, ASN range),
// a bare AS number, and "A - B" ranges as RIR whois servers print them.
Result<ledger::Resource> parse_whois_query(std::string_view text);

// Input bytes made safe to echo: printable ASCII kept, the rest '?', cut
// at `max` characters.
std::string printable_excerpt(std::string_view text, size_t max = 80);

// The deepest holding that contains all of `query`, or nullopt if none
// does but the unregistered default. Takes the chain's read lock for the
// whole read. Fails only when the block store cannot be read.
Result<std::optional<HoldingView>> lookup_holding(const SharedChain& shared,
                                                  const ledger::Resource& query);
// Holding `id` (any holding, roots included), or nullopt if there is none.
Result<std::optional<HoldingView>> lookup_holding(const SharedChain& shared, ledger::HoldingId id);

}  // namespace nl::node
