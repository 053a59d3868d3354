// The registry rules: a deterministic state machine over the committed
// state (a chain's registry reads most of it from the store, a bare one
// holds it in memory). Every node that applies the same transactions in
// the same order reaches the same state. A transaction that breaks a rule
// changes nothing and its rejection names the reason.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "crypto/basics/result.h"
#include "ledger/account_table.h"
#include "ledger/authorization_table.h"
#include "ledger/evidence.h"
#include "ledger/holding.h"
#include "ledger/holding_table.h"
#include "ledger/interval_index.h"
#include "ledger/recovery.h"
#include "ledger/segment_table.h"
#include "ledger/transaction.h"
#include "ledger/validator_set.h"

namespace nl::ledger {

struct Genesis;

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

// A validator-update committed at height h sets the validators of h + 2:
// block h + 1 may already be proposed when h commits.
inline constexpr uint64_t kValidatorUpdateDelay = 2;
// Evidence older than this many heights is no longer accepted.
inline constexpr uint64_t kEvidenceMaxAge = 10000;

class Registry {
 public:
  // A transaction applies only if it names this chain id and genesis hash.
  Registry(std::string chain_id, const crypto::Hash32& genesis_hash);

  const std::string& chain_id() const { return chain_id_; }
  const crypto::Hash32& genesis_hash() const { return genesis_hash_; }

  // Genesis: a root holding (kind allocation, parent none) held by `holder`.
  Status add_root(const Resource& range, const AccountId& holder, const Metadata& meta);
  // Genesis: the imported holdings nested under the roots and their
  // authorizations (registry_genesis.cpp), loaded without signatures under
  // the same invariants; called once every root is added.
  Status add_genesis_imports(const Genesis& g);
  // Genesis: the validators of height 1 onwards (state key 'V' || 1).
  Status set_genesis_validators(const ValidatorSet& set);

  // All of a transaction's effects or none. With already_verified the caller
  // vouches that tx.check_signatures() passed; required signers are still
  // checked here.
  Status apply(const Transaction& tx, const BlockContext& ctx,
               SignatureCheck sigs = SignatureCheck::verify);

  // Records equivocation evidence in block ctx.height: the pair checks
  // against the set that voted at its height, that height is below the
  // block's and at most kEvidenceMaxAge below it, and this equivocation
  // (validator, height, round, kind) is not committed yet.
  Status apply_evidence(const Evidence& ev, const BlockContext& ctx);

  // Committed entries touched since the last call, with their values now.
  std::vector<StateWrite> take_writes();
  // Forgets which entries were touched, for a registry that is never
  // stored (an import's check of its tree: 1.4 million keys at full size).
  void discard_writes() { dirty_.clear(); }
  // Undo: sets each entry back to the given value (nullopt = absent) and
  // rebuilds the indexes over them. `entries` must be every entry changed
  // since a consistent state, with its value in that state.
  void restore(const std::vector<StateWrite>& entries);
  // A chain's registry: the committed authorizations, segments and
  // account states stay in the store and are read through `reader`
  // (stored_entries.h); call before load.
  void read_state_from(const std::shared_ptr<const StateReader>& reader) {
    authorizations_.read_from(reader);
    holdings_.read_from(reader);
    segments_.read_from(reader);
    accounts_.read_from(reader);
    recoveries_.read_from(reader);
  }
  // The store now holds every write taken so far (a block was appended):
  // what was kept only until then is let go.
  void writes_stored() {
    authorizations_.settle();
    holdings_.settle();
    segments_.settle();
    accounts_.settle();
    recoveries_.settle();
  }

  // Rebuild from committed entries (any order), then finish_load(), which
  // builds the indexes and refuses overlapping siblings and missing
  // parents; check_invariants() is the full check. Each kind of entry
  // (its key's first byte) fills its own member, so a load may give each
  // kind to its own thread.
  Status load_entry(ByteView key, ByteView value);
  Status finish_load();

  // ---- queries (all O(log n) or proportional to the answer) ----
  // Holdings are answered by value: on disk they are read from the store.
  std::optional<Holding> holding(HoldingId id) const;
  // Root first, deepest last: every holding whose range contains `r`.
  std::vector<Holding> chain(const Resource& r) const;
  // The segments (effective control) that intersect r, in address order.
  std::vector<Segment> segments_covering(const Resource& r) const;
  std::optional<Segment> segment_at(Family f, u128 point) const;
  std::vector<Holding> children(HoldingId parent) const;
  std::vector<Holding> roots(Family f) const;
  // Every holding, in id order: all_holdings() copies them, for_each_holding
  // visits them one by one until `visit` returns false.
  std::vector<Holding> all_holdings() const;
  void for_each_holding(const std::function<bool(const Holding&)>& visit) const { holdings_.scan(visit); }
  std::vector<Holding> holdings_of(const AccountId& a) const;
  std::optional<AccountState> account(const AccountId& a) const;
  uint64_t next_nonce(const AccountId& a) const;
  crypto::PublicKey current_key(const AccountId& a) const;
  // The key that signs for `a` at block time t: the current key, or the
  // new key of a pending recovery that has taken effect by t.
  crypto::PublicKey effective_key(const AccountId& a, uint64_t t) const;
  std::optional<RecoveryState> recovery(const AccountId& a) const;
  std::vector<Authorization> authorizations_overlapping(const Resource& r) const;
  std::vector<Authorization> authorizations() const;  // all, in key order
  size_t holding_count() const { return holdings_.size(); }
  size_t authorization_count() const { return authorizations_.size(); }
  // Authorizations held in memory: all of them, or on disk those changed
  // since the last writes_stored().
  size_t authorizations_held() const { return authorizations_.held(); }
  // The same for holdings, segments, account states and recovery states.
  size_t holdings_held() const { return holdings_.held(); }
  size_t segments_held() const { return segments_.held(); }
  size_t accounts_held() const { return accounts_.held(); }
  size_t recoveries_held() const { return recoveries_.held(); }
  // Moves whenever an authorization may have changed (authorization_table.h).
  uint64_t authorization_changes() const { return authorizations_.changes(); }
  size_t holding_count_of(const AccountId& a) const;

  // ---- pages (registry_pages.cpp): at most `limit` entries strictly after
  // a position the previous page ended on, in the same order as above ----
  std::vector<Holding> holdings_of(const AccountId& a, std::optional<HoldingId> after, size_t limit) const;
  std::vector<Segment> segments_covering(const Resource& r, std::optional<u128> after_first, size_t limit) const;
  // Keyed by state key (keys::authorization), which is also the order.
  using KeyedAuthorization = std::pair<Bytes, Authorization>;
  std::vector<KeyedAuthorization> authorizations(const std::optional<Bytes>& after, size_t limit) const;
  std::vector<KeyedAuthorization> authorizations_overlapping(const Resource& r, const std::optional<Bytes>& after,
                                                             size_t limit) const;
  // Keyed by state key (keys::evidence), which is also the order.
  std::vector<std::pair<Bytes, CommittedEvidence>> evidence(const std::optional<Bytes>& after, size_t limit) const {
    return page_of(evidence_, after, limit);
  }
  size_t evidence_count() const { return evidence_.size(); }
  // Whether every number of r is held, and the holding when one holder
  // holds all of it (the first segment's holding); walks, never copies.
  struct Coverage {
    bool fully_held = false;
    std::optional<Holding> sole;
  };
  Coverage coverage(const Resource& r) const;
  // Whether `who` may authorize `prefix`: it holds, for every number of it,
  // the controlling holding or one that covers it (an aggregate over space
  // it delegated). With active_at an expired lease doesn't count.
  Status covers_all(const Resource& prefix, const AccountId& who, const BlockContext* active_at = nullptr) const {
    return reaches_all(prefix, who, Reach::covering, active_at);
  }
  // The set that votes at `height` (heights below 1 get the genesis set):
  // the entry with the greatest from_height <= height.
  const ValidatorSet& validator_set_at(uint64_t height) const;
  // Every set with the height it votes from, ascending.
  const std::map<uint64_t, ValidatorSet>& validator_sets() const { return validator_sets_; }
  // Committed evidence in key order (validator, height, round, kind).
  std::vector<CommittedEvidence> evidence() const;
  std::vector<CommittedEvidence> evidence_of(const crypto::PublicKey& validator) const;

  // Full O(n) check of I1-I3 and of the segment map; for tests and
  // numledgerd --verify-state.
  Status check_invariants() const;

 private:
  struct Impl;

  // Body handlers (registry_*.cpp): each validates fully, then mutates;
  // mutations can't fail, so a rejection leaves the state untouched.
  Status apply_delegate(const Transaction& tx, const DelegateBody& b, const BlockContext& ctx);
  Status apply_transfer(const Transaction& tx, const TransferBody& b, const BlockContext& ctx);
  Status apply_return(const Transaction& tx, const ReturnBody& b, const BlockContext& ctx);
  Status apply_revoke(const Transaction& tx, const RevokeBody& b, const BlockContext& ctx);
  Status apply_renew(const Transaction& tx, const RenewBody& b, const BlockContext& ctx);
  Status apply_authorize(const Transaction& tx, const AuthorizeBody& b, const BlockContext& ctx);
  Status apply_withdraw(const Transaction& tx, const WithdrawBody& b, const BlockContext& ctx);
  Status apply_set_metadata(const Transaction& tx, const SetMetadataBody& b,
                            const BlockContext& ctx);
  Status apply_rotate_key(const Transaction& tx, const RotateKeyBody& b, const BlockContext& ctx);
  // Key recovery (registry_recovery.cpp).
  Status apply_set_recovery(const Transaction& tx, const SetRecoveryBody& b, const BlockContext& ctx);
  Status apply_recover(const Transaction& tx, const RecoverBody& b, const BlockContext& ctx);
  Status apply_cancel_recovery(const Transaction& tx, const BlockContext& ctx);
  // A recovery in effect by t becomes the account's current key.
  void settle_recovery(const AccountId& a, uint64_t t);
  // The keys besides the signer's that may sign a recover: the recovery
  // accounts' keys at t.
  std::vector<crypto::PublicKey> recovery_keys(const RecoverBody& b, uint64_t t) const;
  Status apply_validator_update(const Transaction& tx, const ValidatorUpdateBody& b,
                                const BlockContext& ctx);  // registry_validators.cpp

  // Every signature is by a key the kind needs: the signer's current key,
  // a transfer's recipient, a rotation's new key, a validator-update's
  // validators of ctx.height (`own`: the signer's current key). A padded
  // transaction is refused.
  Status only_needed_signatures(const Transaction& tx, const BlockContext& ctx,
                                const crypto::PublicKey& own) const;

  // Up to `limit` entries of m after the key `after` (from the start without it).
  template <class T>
  static std::vector<std::pair<Bytes, T>> page_of(const std::map<Bytes, T>& m, const std::optional<Bytes>& after,
                                                   size_t limit) {
    std::vector<std::pair<Bytes, T>> out;
    for (auto it = after ? m.upper_bound(*after) : m.begin(); it != m.end() && out.size() < limit; ++it)
      out.emplace_back(it->first, it->second);
    return out;
  }

  // Selection and validation helpers.
  std::string describe_holding(const Holding& h) const;  // "holding #12 (..) held by nl.."
  std::vector<HoldingId> chain_ids(const Resource& r) const;
  Result<Holding> signer_holding(const Resource& r, const AccountId& signer) const;
  Result<HoldingId> lessors_lease(const Resource& r, const AccountId& signer,
                                  std::string_view verb) const;
  Status usable_by_holder(const Holding& h, const BlockContext& ctx) const;
  Status no_child_straddles(const Holding& h, const Resource& r) const;
  // covers_all, or (controlling) with only the deepest holding counted.
  enum class Reach { controlling, covering };
  Status reaches_all(const Resource& prefix, const AccountId& who, Reach reach, const BlockContext* active_at) const;

  // Mutation primitives; each marks what it touches dirty.
  IntervalIndex& sibling_index(HoldingId parent, Family f);
  IntervalIndex& sibling_index(const Holding& h) { return sibling_index(h.parent, h.range.family); }
  HoldingId take_id();
  void create_holding(const Holding& h);
  void delete_holding(HoldingId id);
  void delete_subtree(HoldingId id);
  void attach(HoldingId child, HoldingId parent);
  void detach(HoldingId child);
  void set_range(HoldingId id, const Resource& r);
  void set_holder(HoldingId id, const AccountId& holder);
  std::vector<HoldingId> split_out(HoldingId id, const Resource& r, uint64_t height);
  void mark_holding(HoldingId id);

  // Segments (registry_segments.cpp).
  void recompute_segments(const Resource& x);
  void collect_segments(HoldingId owner, const IntervalIndex* idx, const Resource& x,
                        std::vector<Segment>& out) const;
  void put_segment(const Segment& s);

  // Authorizations (registry_authorizations.cpp).
  void lapse_authorizations(const Resource& x);

  std::string chain_id_;
  crypto::Hash32 genesis_hash_;
  HoldingTable holdings_;
  std::map<HoldingId, IntervalIndex> children_;  // parent id -> its children
  std::map<Family, IntervalIndex> roots_;
  SegmentTable segments_;
  AccountTable accounts_;
  std::unordered_map<AccountId, std::set<HoldingId>, AccountIdHash> by_holder_;  // only looked up
  AuthorizationTable authorizations_;  // keyed by keys::authorization
  std::map<uint64_t, ValidatorSet> validator_sets_;  // from_height -> set
  std::map<Bytes, CommittedEvidence> evidence_;      // keyed by keys::evidence
  RecoveryTable recoveries_;
  HoldingId next_id_ = 1;
  // What the indexes need of each holding, from load_entry to finish_load.
  struct Indexed {
    HoldingId id, parent;
    Resource range;
    AccountId holder;
  };
  std::vector<Indexed> loading_;
  std::set<Bytes> dirty_;
  friend struct Impl;
};

}  // namespace nl::ledger
