// Registry core: the checks common to every transaction, the dispatch to the
// body handlers, the dirty-key bookkeeping and the mutation primitives that
// keep holdings_, the interval indexes and by_holder_ in step.
#include "ledger/registry.h"

#include <algorithm>

#include "ledger/state_keys.h"

namespace nl::ledger {

namespace {

bool well_formed(const Resource& r) {
  auto f = static_cast<uint8_t>(r.family);
  return f >= 1 && f <= 3 && r.first <= r.last && r.last <= family_max(r.family);
}

}  // namespace

Registry::Registry(std::string chain_id, const crypto::Hash32& genesis_hash)
    : chain_id_(std::move(chain_id)), genesis_hash_(genesis_hash) {}

Status Registry::add_root(const Resource& range, const AccountId& holder, const Metadata& meta) {
  if (!well_formed(range)) return fail("root range is malformed");
  if (auto s = meta.validate(); !s) return fail("root " + range.to_string() + ": " + s.error());
  auto it = roots_.find(range.family);
  if (it != roots_.end()) {
    if (auto hit = it->second.first_overlap(range))
      return fail(range.to_string() + " overlaps root " + describe_holding(holdings_.at(hit->second)));
  }
  Holding h;
  h.id = take_id();
  h.range = range;
  h.holder = holder;
  h.meta = meta;
  create_holding(h);
  recompute_segments(range);
  return {};
}

Status Registry::apply(const Transaction& tx, const BlockContext& ctx, SignatureCheck sigs) {
  if (tx.chain_id != chain_id_)
    return fail("wrong chain id '" + tx.chain_id + "' (this ledger is '" + chain_id_ + "')");
  // Two chains may share an id and keys; the genesis hash tells them apart.
  if (tx.genesis_hash != genesis_hash_)
    return fail("wrong genesis hash " + tx.genesis_hash.hex().substr(0, 16) + "... (this ledger's genesis is " +
                genesis_hash_.hex().substr(0, 16) + "...); the transaction was signed for another chain");
  uint64_t expected = next_nonce(tx.signer);
  if (tx.nonce != expected)
    return fail("nonce " + std::to_string(tx.nonce) + " replayed or out of order: account " +
                tx.signer.to_string() + " expects " + std::to_string(expected));
  const crypto::PublicKey own = effective_key(tx.signer, ctx.time);
  if (!tx.signed_by(own)) return fail("transaction is not signed by the current key of " + tx.signer.to_string());
  if (const TxKind kind = body_kind(tx.body); tx.signatures.size() > max_signatures(kind))
    return fail("a " + std::string(tx_kind_name(kind)) + " transaction carries at most " +
                std::to_string(max_signatures(kind)) + " signatures; this one has " +
                std::to_string(tx.signatures.size()));
  if (auto s = only_needed_signatures(tx, ctx, own); !s) return s;
  if (sigs == SignatureCheck::verify)
    if (auto s = tx.check_signatures(); !s) return s;
  if (auto r = named_range(tx.body); r && !well_formed(*r))
    return fail("the transaction names a malformed range");

  Status s = std::visit(
      [&](const auto& b) -> Status {
        using B = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<B, DelegateBody>) return apply_delegate(tx, b, ctx);
        else if constexpr (std::is_same_v<B, TransferBody>) return apply_transfer(tx, b, ctx);
        else if constexpr (std::is_same_v<B, ReturnBody>) return apply_return(tx, b, ctx);
        else if constexpr (std::is_same_v<B, RevokeBody>) return apply_revoke(tx, b, ctx);
        else if constexpr (std::is_same_v<B, RenewBody>) return apply_renew(tx, b, ctx);
        else if constexpr (std::is_same_v<B, AuthorizeBody>) return apply_authorize(tx, b, ctx);
        else if constexpr (std::is_same_v<B, WithdrawBody>) return apply_withdraw(tx, b, ctx);
        else if constexpr (std::is_same_v<B, SetMetadataBody>) return apply_set_metadata(tx, b, ctx);
        else if constexpr (std::is_same_v<B, ValidatorUpdateBody>) return apply_validator_update(tx, b, ctx);
        else if constexpr (std::is_same_v<B, SetRecoveryBody>) return apply_set_recovery(tx, b, ctx);
        else if constexpr (std::is_same_v<B, RecoverBody>) return apply_recover(tx, b, ctx);
        else if constexpr (std::is_same_v<B, CancelRecoveryBody>) return apply_cancel_recovery(tx, ctx);
        else return apply_rotate_key(tx, b, ctx);
      },
      tx.body);
  if (!s) return s;

  // The body succeeded; only now does the signer's account come into being.
  settle_recovery(tx.signer, ctx.time);
  auto acct = accounts_.find(tx.signer);
  if (!acct) acct = AccountState{.next_nonce = 1, .current = tx.signer.key};
  acct->next_nonce = tx.nonce + 1;
  accounts_.put(tx.signer, *acct);
  dirty_.insert(keys::account(tx.signer));
  return {};
}

Status Registry::only_needed_signatures(const Transaction& tx, const BlockContext& ctx,
                                        const crypto::PublicKey& own) const {
  // Who may sign besides the signer's current key, by kind.
  const auto& body = tx.body;
  std::vector<crypto::PublicKey> cosigner_keys;  // the kind's co-signers (its field list marks them)
  for (const auto& c : cosigners(body))
    cosigner_keys.push_back(c.account ? effective_key(AccountId{c.key}, ctx.time) : c.key);
  const bool update = std::holds_alternative<ValidatorUpdateBody>(body);
  const auto* recover = std::get_if<RecoverBody>(&body);
  if (recover)
    for (const auto& k : recovery_keys(*recover, ctx.time)) cosigner_keys.push_back(k);
  for (const auto& s : tx.signatures) {
    if (s.key == own || std::find(cosigner_keys.begin(), cosigner_keys.end(), s.key) != cosigner_keys.end())
      continue;
    if (update && validator_set_at(ctx.height).find(s.key)) continue;
    std::string needs = "the signer's current key";
    for (const auto& c : cosigners(body))
      needs += " and the " + std::string(c.role) + (c.account ? "'s current key" : "");
    if (update) needs += " and validators of height " + std::to_string(ctx.height);
    if (recover) needs += " and the recovery accounts' current keys";
    return fail("signature by key " + s.key.hex() + " is not one a " + std::string(tx_kind_name(body_kind(body))) +
                " needs (" + needs + "); remove it");
  }
  return {};
}

Status Registry::apply_rotate_key(const Transaction& tx, const RotateKeyBody& b, const BlockContext& ctx) {
  // No free accounts: an account comes into being by receiving a holding,
  // never by rotating the key of nothing.
  if (!by_holder_.contains(tx.signer))
    return fail("rotate-key: " + tx.signer.to_string() +
                " holds nothing; an account comes into being only by receiving a holding");
  if (b.new_key == effective_key(tx.signer, ctx.time))
    return fail("the new key is already the current key of " + tx.signer.to_string());
  if (!tx.signed_by(b.new_key))
    return fail("rotate-key needs the new key's co-signature (" + b.new_key.hex() + ")");
  settle_recovery(tx.signer, ctx.time);  // so the recovered key does not override this one
  AccountState acct = accounts_.find(tx.signer).value_or(AccountState{});
  acct.current = b.new_key;
  accounts_.put(tx.signer, acct);
  dirty_.insert(keys::account(tx.signer));
  return {};
}

std::vector<StateWrite> Registry::take_writes() {
  std::vector<StateWrite> out;
  out.reserve(dirty_.size());
  for (const Bytes& key : dirty_) {
    StateWrite w{key, std::nullopt};
    Reader r(ByteView(key).subspan(1));
    Writer v;
    switch (key[0]) {
      case keys::kAccount: {
        AccountId a{crypto::PublicKey{r.fixed<32>()}};
        if (auto st = accounts_.find(a)) st->encode(v);
        break;
      }
      case keys::kHolding: {
        if (auto h = holdings_.find(r.u64())) h->encode(v);
        break;
      }
      case keys::kSegment: {
        auto f = static_cast<Family>(r.u8());
        u128 first = r.u128v();
        if (auto seg = segments_.starting_at(f, first)) seg->encode(v);
        break;
      }
      case keys::kAuthorization: {
        if (auto a = authorizations_.find(key)) a->encode(v);
        break;
      }
      case keys::kMeta: v.u64(next_id_); break;
      case keys::kValidatorSet: {
        if (auto it = validator_sets_.find(r.u64()); it != validator_sets_.end()) it->second.encode(v);
        break;
      }
      case keys::kEvidence: {
        if (auto it = evidence_.find(key); it != evidence_.end()) it->second.encode(v);
        break;
      }
      case keys::kRecovery: {
        AccountId a{crypto::PublicKey{r.fixed<32>()}};
        if (auto st = recoveries_.find(a)) st->encode(v);
        break;
      }
    }
    if (!v.data().empty()) w.value = v.take();
    out.push_back(std::move(w));
  }
  dirty_.clear();
  return out;
}

// ---- mutation primitives ----

IntervalIndex& Registry::sibling_index(HoldingId parent, Family f) {
  return parent == 0 ? roots_[f] : children_[parent];
}

HoldingId Registry::take_id() {
  dirty_.insert(keys::next_holding_id());
  return next_id_++;
}

void Registry::mark_holding(HoldingId id) { dirty_.insert(keys::holding(id)); }

void Registry::create_holding(const Holding& h) {
  holdings_.insert(h);
  sibling_index(h).insert(h.range, h.id);
  by_holder_[h.holder].insert(h.id);
  mark_holding(h.id);
}

void Registry::detach(HoldingId id) {
  const Holding h = holdings_.at(id);
  if (h.parent == 0) {
    roots_[h.range.family].erase(h.range);
    return;
  }
  auto it = children_.find(h.parent);
  it->second.erase(h.range);
  if (it->second.empty()) children_.erase(it);
}

void Registry::attach(HoldingId child, HoldingId parent) {
  Holding h = holdings_.at(child);
  h.parent = parent;
  holdings_.replace(h);
  sibling_index(h).insert(h.range, h.id);
  mark_holding(child);
}

void Registry::delete_holding(HoldingId id) {
  const Holding h = holdings_.at(id);
  detach(id);
  auto bh = by_holder_.find(h.holder);
  bh->second.erase(id);
  if (bh->second.empty()) by_holder_.erase(bh);
  children_.erase(id);
  holdings_.erase(id);
  mark_holding(id);
}

void Registry::delete_subtree(HoldingId id) {
  if (auto it = children_.find(id); it != children_.end()) {
    std::vector<HoldingId> kids;
    for (const auto& [first, e] : it->second.entries()) kids.push_back(e.id);
    for (HoldingId k : kids) delete_subtree(k);
  }
  delete_holding(id);
}

void Registry::set_range(HoldingId id, const Resource& r) {
  detach(id);
  Holding h = holdings_.at(id);
  h.range = r;
  holdings_.replace(h);
  sibling_index(h).insert(h.range, h.id);
  mark_holding(id);
}

void Registry::set_holder(HoldingId id, const AccountId& holder) {
  Holding h = holdings_.at(id);
  auto bh = by_holder_.find(h.holder);
  bh->second.erase(id);
  if (bh->second.empty()) by_holder_.erase(bh);
  h.holder = holder;
  holdings_.replace(h);
  by_holder_[holder].insert(id);
  mark_holding(id);
}

// Cuts r (strictly inside the holding, straddled by no child) out of it: the
// holding keeps its left remainder if any, else its right one; the other
// remainder becomes a new holding with the same parent, holder, kind, lease
// and metadata. Children inside r are detached and returned for the caller
// to re-attach; children of the other remainder move to it.
std::vector<HoldingId> Registry::split_out(HoldingId id, const Resource& r, uint64_t height) {
  const Holding orig = holdings_.at(id);
  const Family f = r.family;
  std::optional<Resource> left, right;
  if (r.first > orig.range.first) left = Resource{f, orig.range.first, r.first - 1};
  if (r.last < orig.range.last) right = Resource{f, r.last + 1, orig.range.last};
  const Resource keep = left ? *left : *right;
  const std::optional<Resource> other = left && right ? right : std::nullopt;

  std::vector<HoldingId> in_r, in_other;
  if (auto it = children_.find(id); it != children_.end()) {
    for (const auto& [first, e] : it->second.entries()) {
      Resource c{f, first, e.last};
      if (r.contains(c)) in_r.push_back(e.id);
      else if (other && other->contains(c)) in_other.push_back(e.id);
    }
  }
  for (HoldingId c : in_r) detach(c);
  for (HoldingId c : in_other) detach(c);

  set_range(id, keep);
  if (other) {
    Holding o = orig;
    o.id = take_id();
    o.range = *other;
    o.created_height = height;
    create_holding(o);
    for (HoldingId c : in_other) attach(c, o.id);
  }
  return in_r;
}

}  // namespace nl::ledger
