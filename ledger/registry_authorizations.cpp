// Origin authorizations: authorize, withdraw and the lapse rule (DESIGN §3):
// when control over some range changes, every authorization overlapping it
// whose issuer no longer covers all of its prefix (holds the controlling
// holding or an ancestor of it, whitepaper/ledger.md) is deleted.
//
// authorizations_ (authorization_table.h) is keyed by keys::authorization,
// whose big-endian layout orders it by (family, first, last, ...): that
// order is itself the index the overlap lookups need.
#include "ledger/registry.h"

#include <algorithm>

#include "ledger/state_keys.h"
#include "ledger/time_text.h"

namespace nl::ledger {

namespace {

std::string describe_authorization(const Resource& prefix, uint8_t max_length, uint32_t asn) {
  return "authorization " + prefix.to_string() + " maxLength " + std::to_string(max_length) +
         " origin AS" + std::to_string(asn);
}

}  // namespace

// Whether `who` holds, for every number of `prefix`, the holding that
// controls it or (Reach::covering) one that covers it, an ancestor: the
// holder of an aggregate may authorize it over the space it delegated, as
// the holder of a covering certificate may in RPKI. Walks the segments and,
// per segment, its holding's ancestors. With active_at, an expired lease
// doesn't count (new authorizations).
Status Registry::reaches_all(const Resource& prefix, const AccountId& who, Reach reach,
                             const BlockContext* active_at) const {
  u128 cursor = prefix.first;
  std::optional<Status> verdict;  // set where the walk ends early
  std::optional<u128> next_first;  // the segment after a gap at cursor
  segments_.scan(prefix.family, cursor, [&](const Segment& seg) {
    if (seg.range.first > cursor) {
      next_first = seg.range.first;
      return false;
    }
    const Resource part{prefix.family, cursor, std::min(seg.range.last, prefix.last)};
    std::optional<Holding> expired;
    bool covered = false;
    for (HoldingId id = seg.holding; id != 0 && !covered;) {
      Holding h = holdings_.at(id);
      if (h.holder == who) {
        if (active_at && h.kind == HoldingKind::lease && h.lease_until <= active_at->time)
          expired = h;
        else
          covered = true;
      }
      id = reach == Reach::covering ? h.parent : 0;
    }
    if (!covered && expired)
      verdict = fail("lease #" + std::to_string(expired->id) + " (" + expired->range.to_string() + ") expired at " +
                     rfc3339(expired->lease_until));
    else if (!covered)
      verdict = fail("part of " + prefix.to_string() + " (" + part.to_string() + ") is controlled by " +
                     describe_holding(holdings_.at(seg.holding)) +
                     (reach == Reach::covering ? ", and no holding of the signer covers it; authorize the parts "
                                                 "the signer holds, or have that holder sign"
                                               : std::string()));
    else if (seg.range.last >= prefix.last)
      verdict = Status{};
    cursor = seg.range.last + 1;
    return !verdict;
  });
  if (verdict) return *verdict;
  // A gap from cursor: up to the next segment, or the prefix's end.
  const u128 gap_end = next_first ? std::min(*next_first - 1, prefix.last) : prefix.last;
  if (cursor == prefix.first && gap_end == prefix.last) return fail(prefix.to_string() + " is not held by anyone");
  return fail("part of " + prefix.to_string() + " (" + Resource{prefix.family, cursor, gap_end}.to_string() +
              ") is not held by anyone");
}

void Registry::lapse_authorizations(const Resource& x) {
  for (const Bytes& key : authorizations_.keys_overlapping(x, std::nullopt, SIZE_MAX)) {
    const std::optional<Authorization> a = authorizations_.find(key);
    if (covers_all(a->prefix, a->issuer)) continue;
    authorizations_.erase(key);
    dirty_.insert(key);
  }
}

Status Registry::apply_authorize(const Transaction& tx, const AuthorizeBody& b,
                                 const BlockContext& ctx) {
  const Resource& p = b.prefix;
  if (p.family == Family::asn)
    return fail("authorizations are for IP prefixes; " + p.to_string() + " is an AS range");
  auto len = p.prefix_length();
  if (!len) return fail(p.to_string() + " is not a CIDR prefix");
  int bits = family_bits(p.family);
  if (b.max_length < *len || b.max_length > bits)
    return fail("maxLength " + std::to_string(b.max_length) + " must lie between the prefix length " +
                std::to_string(*len) + " and " + std::to_string(bits));
  Bytes key = keys::authorization(p, b.max_length, b.asn);
  if (authorizations_.contains(key))
    return fail(describe_authorization(p, b.max_length, b.asn) + " already exists");
  if (auto s = covers_all(p, tx.signer, &ctx); !s)
    return fail("signer " + tx.signer.to_string() + " can't authorize " + p.to_string() + ": " +
                s.error());
  authorizations_.insert(key, Authorization{p, b.max_length, b.asn, tx.signer, ctx.height});
  dirty_.insert(std::move(key));
  return {};
}

Status Registry::apply_withdraw(const Transaction& tx, const WithdrawBody& b,
                                const BlockContext& ctx) {
  Bytes key = keys::authorization(b.prefix, b.max_length, b.asn);
  const std::optional<Authorization> it = authorizations_.find(key);
  if (!it)
    return fail("there is no " + describe_authorization(b.prefix, b.max_length, b.asn));
  // Not the holder of a covering aggregate: a parent can't take away a
  // sub-holder's authorization (whitepaper/continuity.md).
  if (it->issuer != tx.signer && !reaches_all(b.prefix, tx.signer, Reach::controlling, nullptr))
    return fail("only the issuer " + it->issuer.to_string() + " or the effective controller of " +
                b.prefix.to_string() + " can withdraw " +
                describe_authorization(b.prefix, b.max_length, b.asn));
  authorizations_.erase(key);
  dirty_.insert(std::move(key));
  return {};
}

std::vector<Authorization> Registry::authorizations_overlapping(const Resource& r) const {
  std::vector<Authorization> out;
  for (auto& [k, a] : authorizations_overlapping(r, std::nullopt, SIZE_MAX)) out.push_back(std::move(a));
  return out;
}

std::vector<Registry::KeyedAuthorization> Registry::authorizations_overlapping(const Resource& r,
                                                                               const std::optional<Bytes>& after,
                                                                               size_t limit) const {
  std::vector<KeyedAuthorization> out;
  for (Bytes& k : authorizations_.keys_overlapping(r, after, limit)) {
    std::optional<Authorization> a = authorizations_.find(k);
    out.emplace_back(std::move(k), std::move(*a));
  }
  return out;
}

std::vector<Authorization> Registry::authorizations() const {
  std::vector<Authorization> out;
  out.reserve(authorizations_.size());
  authorizations_.for_each([&out](const Bytes&, const Authorization& a) {
    out.push_back(a);
    return true;
  });
  return out;
}

std::vector<Registry::KeyedAuthorization> Registry::authorizations(const std::optional<Bytes>& after,
                                                                   size_t limit) const {
  return authorizations_.page(after, limit);
}

}  // namespace nl::ledger
