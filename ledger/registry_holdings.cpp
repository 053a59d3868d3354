// The holding transactions: delegate, transfer, return, revoke, renew and
// set-metadata, plus how each picks the holding it acts on.
//
// Lease expiry is deliberately simple: an expired lease still shows its
// lessee as effective controller (segments ignore time) until the lessor
// revokes it, because revocation is an explicit act. Meanwhile the lessee
// can't delegate, transfer, return or set metadata on it, and can't issue
// new authorizations for its space.
#include "ledger/registry.h"
#include "ledger/time_text.h"

namespace nl::ledger {

namespace {

// After H splits around R, the piece left of R keeps H's id; everything
// from R to H's end may have changed ids, so that is what segments redo.
Resource changed_by_split(const Holding& h, const Resource& r) {
  return r.first > h.range.first ? Resource{h.range.family, r.first, h.range.last} : r;
}

bool is_expired_lease(const Holding& h, uint64_t time) {
  return h.kind == HoldingKind::lease && h.lease_until <= time;
}

}  // namespace

// ---- selection ----

std::string Registry::describe_holding(const Holding& h) const {
  return "holding #" + std::to_string(h.id) + " (" + h.range.to_string() + ") held by " +
         h.holder.to_string();
}

std::vector<HoldingId> Registry::chain_ids(const Resource& r) const {
  std::vector<HoldingId> out;
  auto rt = roots_.find(r.family);
  if (rt == roots_.end()) return out;
  auto id = rt->second.containing(r);
  while (id) {
    out.push_back(*id);
    auto c = children_.find(*id);
    if (c == children_.end()) break;
    id = c->second.containing(r);
  }
  return out;
}

Result<Holding> Registry::signer_holding(const Resource& r, const AccountId& signer) const {
  auto ids = chain_ids(r);
  for (auto it = ids.rbegin(); it != ids.rend(); ++it)
    if (Holding h = holdings_.at(*it); h.holder == signer) return h;
  if (!ids.empty())
    return fail("signer " + signer.to_string() + " holds no holding containing " + r.to_string() +
                "; its effective controller is " + describe_holding(holdings_.at(ids.back())));
  if (auto rt = roots_.find(r.family); rt != roots_.end())
    if (auto hit = rt->second.first_overlap(r))
      return fail("no holding contains all of " + r.to_string() + "; it overlaps root " +
                  describe_holding(holdings_.at(hit->second)));
  return fail(r.to_string() + " is not held by anyone");
}

// The lease with exactly range r whose lessor (its parent's holder) is the
// signer; the deepest such one, so nested same-range leases each have their
// own lessor.
Result<HoldingId> Registry::lessors_lease(const Resource& r, const AccountId& signer,
                                          std::string_view verb) const {
  auto ids = chain_ids(r);
  std::optional<Holding> exact, lease;
  for (auto it = ids.rbegin(); it != ids.rend(); ++it) {
    const Holding h = holdings_.at(*it);
    if (h.range != r) continue;
    if (!exact) exact = h;
    if (h.kind != HoldingKind::lease) continue;
    if (!lease) lease = h;
    if (h.parent != 0 && holdings_.at(h.parent).holder == signer) return h.id;
  }
  if (lease) {
    std::string lessor =
        lease->parent ? holdings_.at(lease->parent).holder.to_string() : std::string("(none)");
    return fail("only the lessor " + lessor + " can " + std::string(verb) + " lease " +
                describe_holding(*lease));
  }
  if (exact) return fail(r.to_string() + " is " + describe_holding(*exact) + ", which is not a lease");
  return fail("no lease has exactly the range " + r.to_string());
}

Status Registry::usable_by_holder(const Holding& h, const BlockContext& ctx) const {
  if (is_expired_lease(h, ctx.time))
    return fail("lease #" + std::to_string(h.id) + " (" + h.range.to_string() + ") expired at " +
                rfc3339(h.lease_until));
  return {};
}

Status Registry::no_child_straddles(const Holding& h, const Resource& r) const {
  auto it = children_.find(h.id);
  if (it == children_.end()) return {};
  for (const auto& [range, id] : it->second.overlapping(r)) {
    if (r.contains(range)) continue;
    const Holding c = holdings_.at(id);
    if (range.contains(r))
      return fail(r.to_string() + " lies inside child " + describe_holding(c) +
                  ", whose holder controls it");
    return fail(r.to_string() + " cuts across child " + describe_holding(c));
  }
  return {};
}

// ---- handlers ----

Status Registry::apply_delegate(const Transaction& tx, const DelegateBody& b,
                                const BlockContext& ctx) {
  if (b.to == tx.signer) return fail("delegating " + b.range.to_string() + " to the signer itself is refused");
  if (b.kind == HoldingKind::lease) {
    if (b.lease_until <= ctx.time)
      return fail("lease expiry " + rfc3339(b.lease_until) + " is not after the block time " +
                  rfc3339(ctx.time));
  } else if (b.lease_until != 0) {
    return fail("an expiry is only for leases, not for an " + std::string(holding_kind_name(b.kind)));
  }
  auto held = signer_holding(b.range, tx.signer);
  if (!held) return held.take_error();
  const Holding& h = *held;
  if (auto s = usable_by_holder(h, ctx); !s) return s;
  if (auto c = children_.find(h.id); c != children_.end())
    if (auto hit = c->second.first_overlap(b.range))
      return fail(b.range.to_string() + " overlaps " + describe_holding(holdings_.at(hit->second)));

  Holding child;
  child.id = take_id();
  child.range = b.range;
  child.holder = b.to;
  child.parent = h.id;
  child.kind = b.kind;
  child.lease_until = b.lease_until;
  child.created_height = ctx.height;
  create_holding(child);
  recompute_segments(b.range);
  lapse_authorizations(b.range);
  return {};
}

Status Registry::apply_transfer(const Transaction& tx, const TransferBody& b,
                                const BlockContext& ctx) {
  if (b.to == tx.signer) return fail("transferring " + b.range.to_string() + " to the signer itself is refused");
  auto held = signer_holding(b.range, tx.signer);
  if (!held) return held.take_error();
  const Holding& h = *held;
  if (auto s = usable_by_holder(h, ctx); !s) return s;
  if (!tx.signed_by(effective_key(b.to, ctx.time)))
    return fail("transfer needs the recipient's co-signature (" + b.to.to_string() + ")");
  if (b.range == h.range) {
    // Ids stay, so segments stay; only who controls them changes.
    set_holder(h.id, b.to);
    lapse_authorizations(b.range);
    return {};
  }
  if (auto s = no_child_straddles(h, b.range); !s) return s;

  auto inside = split_out(h.id, b.range, ctx.height);
  Holding piece = h;
  piece.id = take_id();
  piece.range = b.range;
  piece.holder = b.to;
  piece.created_height = ctx.height;
  create_holding(piece);
  for (HoldingId c : inside) attach(c, piece.id);
  recompute_segments(changed_by_split(h, b.range));
  lapse_authorizations(b.range);
  return {};
}

Status Registry::apply_return(const Transaction& tx, const ReturnBody& b, const BlockContext& ctx) {
  auto held = signer_holding(b.range, tx.signer);
  if (!held) return held.take_error();
  const Holding& h = *held;
  if (auto s = usable_by_holder(h, ctx); !s) return s;
  if (h.parent == 0)
    return fail(b.range.to_string() + " is in root " + describe_holding(h) +
                "; roots have no parent to return to");
  if (b.range == h.range) {
    std::vector<HoldingId> kids;
    if (auto it = children_.find(h.id); it != children_.end())
      for (const auto& [first, e] : it->second.entries()) kids.push_back(e.id);
    for (HoldingId k : kids) detach(k);
    delete_holding(h.id);
    for (HoldingId k : kids) attach(k, h.parent);
    recompute_segments(h.range);
    lapse_authorizations(h.range);
    return {};
  }
  if (auto s = no_child_straddles(h, b.range); !s) return s;
  for (HoldingId c : split_out(h.id, b.range, ctx.height)) attach(c, h.parent);
  recompute_segments(changed_by_split(h, b.range));
  lapse_authorizations(b.range);
  return {};
}

Status Registry::apply_revoke(const Transaction& tx, const RevokeBody& b, const BlockContext& ctx) {
  auto lid = lessors_lease(b.range, tx.signer, "revoke");
  if (!lid) return lid.take_error();
  const Holding l = holdings_.at(*lid);
  if (ctx.time < l.lease_until)
    return fail("lease " + describe_holding(l) + " runs until " + rfc3339(l.lease_until) +
                "; it can't be revoked before it expires");
  const Resource range = l.range;
  delete_subtree(*lid);
  recompute_segments(range);
  lapse_authorizations(range);
  return {};
}

Status Registry::apply_renew(const Transaction& tx, const RenewBody& b, const BlockContext& ctx) {
  auto lid = lessors_lease(b.range, tx.signer, "renew");
  if (!lid) return lid.take_error();
  Holding l = holdings_.at(*lid);
  if (b.until <= l.lease_until)
    return fail("renewal until " + rfc3339(b.until) + " is not later than lease #" +
                std::to_string(l.id) + "'s current expiry " + rfc3339(l.lease_until));
  if (b.until <= ctx.time)
    return fail("renewal until " + rfc3339(b.until) + " is not after the block time " +
                rfc3339(ctx.time));
  l.lease_until = b.until;
  holdings_.replace(l);
  mark_holding(l.id);
  return {};
}

Status Registry::apply_set_metadata(const Transaction& tx, const SetMetadataBody& b,
                                    const BlockContext& ctx) {
  if (auto s = b.meta.validate(); !s) return s;
  auto ids = chain_ids(b.range);
  std::optional<Holding> target, wider;
  for (auto it = ids.rbegin(); it != ids.rend() && !target; ++it) {
    Holding h = holdings_.at(*it);
    if (h.holder != tx.signer) continue;
    if (h.range == b.range) target = std::move(h);
    else if (!wider) wider = std::move(h);
  }
  if (!target) {
    if (wider)
      return fail("signer " + tx.signer.to_string() + " holds " + describe_holding(*wider) +
                  " but no holding with exactly the range " + b.range.to_string());
    auto any = signer_holding(b.range, tx.signer);
    return any.take_error();
  }
  if (auto s = usable_by_holder(*target, ctx); !s) return s;
  target->meta = b.meta;
  holdings_.replace(*target);
  mark_holding(target->id);
  return {};
}

}  // namespace nl::ledger
