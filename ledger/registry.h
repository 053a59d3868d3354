// The registry rules: a deterministic state machine over the in-memory
// state. Every node that applies the same transactions in the same order
// reaches the same state. A transaction that breaks a rule changes nothing
// and its rejection names the reason.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "crypto/result.h"
#include "ledger/holding.h"
#include "ledger/interval_index.h"
#include "ledger/transaction.h"

namespace nl::ledger {

struct BlockContext {
  uint64_t height = 0;
  uint64_t time = 0;  // unix seconds; lease expiry is judged against it
};

// One changed entry of the committed state; value nullopt means deleted.
struct StateWrite {
  Bytes key;
  std::optional<Bytes> value;
};

enum class SignatureCheck { verify, already_verified };

class Registry {
 public:
  explicit Registry(std::string chain_id);

  const std::string& chain_id() const { return chain_id_; }

  // Genesis: a root holding (kind allocation, parent none) held by `holder`.
  Status add_root(const Resource& range, const AccountId& holder, const Metadata& meta);

  // All of a transaction's effects or none. With already_verified the caller
  // vouches that tx.check_signatures() passed; required signers are still
  // checked here.
  Status apply(const Transaction& tx, const BlockContext& ctx,
               SignatureCheck sigs = SignatureCheck::verify);

  // Committed entries touched since the last call, with their values now.
  std::vector<StateWrite> take_writes();

  // Rebuild from committed entries (any order), then finish_load().
  Status load_entry(ByteView key, ByteView value);
  Status finish_load();

  // ---- queries (all O(log n) or proportional to the answer) ----
  const Holding* holding(HoldingId id) const;
  // Root first, deepest last: every holding whose range contains `r`.
  std::vector<const Holding*> chain(const Resource& r) const;
  // The segments (effective control) that intersect r, in address order.
  std::vector<Segment> segments_covering(const Resource& r) const;
  std::optional<Segment> segment_at(Family f, u128 point) const;
  std::vector<const Holding*> children(HoldingId parent) const;
  std::vector<const Holding*> roots(Family f) const;
  std::vector<const Holding*> holdings_of(const AccountId& a) const;
  std::optional<AccountState> account(const AccountId& a) const;
  uint64_t next_nonce(const AccountId& a) const;
  crypto::PublicKey current_key(const AccountId& a) const;
  std::vector<Authorization> authorizations_overlapping(const Resource& r) const;
  std::vector<Authorization> authorizations() const;  // all, in key order
  size_t holding_count() const { return holdings_.size(); }

  // Full O(n) check of I1-I3 and of the segment map; for tests and startup.
  Status check_invariants() const;

 private:
  struct Impl;
  std::string chain_id_;
  std::unordered_map<HoldingId, Holding> holdings_;
  std::map<HoldingId, IntervalIndex> children_;  // parent id -> its children
  std::map<Family, IntervalIndex> roots_;
  std::map<Family, std::map<u128, Segment>> segments_;  // keyed by first
  std::map<AccountId, AccountState> accounts_;
  std::map<AccountId, std::set<HoldingId>> by_holder_;
  std::map<Bytes, Authorization> authorizations_;  // keyed by keys::authorization
  HoldingId next_id_ = 1;
  std::set<Bytes> dirty_;
  friend struct Impl;
};

}  // namespace nl::ledger
