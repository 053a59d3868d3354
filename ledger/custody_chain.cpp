#include "ledger/custody_chain.h"

#include <algorithm>
#include <map>
#include <optional>

#include "ledger/registry.h"
#include "ledger/time_text.h"

namespace nl::ledger {

bool is_custody_kind(const TxBody& b) {
  return std::holds_alternative<DelegateBody>(b) || std::holds_alternative<TransferBody>(b) ||
         std::holds_alternative<ReturnBody>(b) || std::holds_alternative<RevokeBody>(b) ||
         std::holds_alternative<RenewBody>(b) || std::holds_alternative<RotateKeyBody>(b) ||
         std::holds_alternative<SetRecoveryBody>(b) || std::holds_alternative<RecoverBody>(b) ||
         std::holds_alternative<CancelRecoveryBody>(b);
}

bool carries_hop(const Block& b) {
  return std::any_of(b.txs.begin(), b.txs.end(), [](const Transaction& tx) { return is_custody_kind(tx.body); });
}

namespace {

// One holding over a run of numbers: its holder, and its expiry if a lease.
struct Entry {
  AccountId holder;
  uint64_t until = 0;
  bool operator==(const Entry&) const = default;
};

// A run of numbers of the resource and its holdings, root first.
struct Piece {
  u128 first = 0, last = 0;
  std::vector<Entry> stack;
  size_t depth = 0;  // hops that changed this run's holdings
};

// Who holds what over the resource, as the hops leave it.
class ControlModel {
 public:
  ControlModel(const Genesis& g, const Resource& r) : r_(r) {
    for (const auto& root : g.roots)
      if (overlaps(root.range)) pieces_.push_back({std::max(root.range.first, r.first), std::min(root.range.last, r.last), {{root.holder, 0}}, 0});
    std::sort(pieces_.begin(), pieces_.end(), [](const Piece& a, const Piece& b) { return a.first < b.first; });
    for (const auto& h : g.holdings) add_genesis(h);
  }

  // The pieces over [first, last], split at its ends; refused where a
  // number has no holder.
  Result<std::pair<size_t, size_t>> over(u128 first, u128 last) {
    split_at(first);
    if (last < family_max(r_.family)) split_at(last + 1);
    size_t a = 0;
    while (a < pieces_.size() && pieces_[a].last < first) ++a;
    size_t b = a;
    u128 next = first;
    while (b < pieces_.size() && pieces_[b].first <= last) {
      if (pieces_[b].first != next || pieces_[b].stack.empty()) break;
      if (pieces_[b].last >= last) return std::pair(a, b + 1);
      next = pieces_[b].last + 1;
      ++b;
    }
    return fail("part of it is held by nobody at that point of the chain");
  }
  Piece& at(size_t i) { return pieces_[i]; }
  const std::vector<Piece>& pieces() const { return pieces_; }
  const Resource& resource() const { return r_; }

 private:
  bool overlaps(const Resource& x) const {
    return x.family == r_.family && x.first <= r_.last && x.last >= r_.first;
  }
  void add_genesis(const GenesisHolding& h) {
    if (!overlaps(h.range)) return;
    auto span = over(std::max(h.range.first, r_.first), std::min(h.range.last, r_.last));
    if (span)  // a genesis holding always lies in a root
      for (size_t i = span->first; i < span->second; ++i) pieces_[i].stack.push_back({h.holder, 0});
    for (const auto& c : h.children) add_genesis(c);
  }
  void split_at(u128 x) {  // makes x the first number of a piece, if inside one
    for (size_t i = 0; i < pieces_.size(); ++i)
      if (pieces_[i].first < x && x <= pieces_[i].last) {
        Piece right = pieces_[i];
        right.first = x;
        pieces_[i].last = x - 1;
        pieces_.insert(pieces_.begin() + static_cast<long>(i) + 1, right);
        return;
      }
  }
  Resource r_;
  std::vector<Piece> pieces_;
};

// Each account's key and recovery state, as the hops leave them.
class KeyModel {
 public:
  struct Account {
    std::optional<crypto::PublicKey> current;  // unset: the account id's key
    std::optional<SetRecoveryBody> policy;
    std::optional<std::pair<crypto::PublicKey, uint64_t>> pending;  // new key, in effect at
  };
  // The key that signs for `a` at block time t (a recovery in effect by t settles).
  crypto::PublicKey key_at(const AccountId& a, uint64_t t) {
    Account& s = accounts_[a];
    if (s.pending && t >= s.pending->second) {
      s.current = s.pending->first;
      s.pending.reset();
    }
    return s.current.value_or(a.key);
  }
  Account& of(const AccountId& a) { return accounts_[a]; }

 private:
  std::map<AccountId, Account> accounts_;
};

std::string short_id(const Transaction& tx) { return tx.id().hex().substr(0, 16); }

class Replay {
 public:
  Replay(const Genesis& g, const crypto::Hash32& genesis_hash, const Resource& r)
      : g_(g), genesis_hash_(genesis_hash), control_(g, r) {}

  Status hop(size_t n, const IncludedTx& hop, const BlockHeader& h, CustodyAnswer& ans) {
    const Transaction& tx = hop.tx;
    name_ = "custody hop " + std::to_string(n) + " (" + std::string(tx_kind_name(body_kind(tx.body))) +
            " at height " + std::to_string(h.height) + ", tx " + short_id(tx) + "...)";
    t_ = h.time;
    if (!is_custody_kind(tx.body)) return refuse("is not a kind a custody chain carries");
    if (tx.chain_id != g_.chain_id || tx.genesis_hash != genesis_hash_) return refuse("was signed for another chain");
    if (auto s = check_tx_inclusion(tx, hop.inclusion, h); !s) return refuse(s.error());
    if (auto s = tx.check_signatures(); !s) return refuse(s.error());
    // Nonces only rise: a signed hop can't be replayed inside the chain.
    auto [it, fresh] = last_nonce_.try_emplace(tx.signer, tx.nonce);
    if (!fresh && tx.nonce <= it->second)
      return refuse("repeats or reorders nonce " + std::to_string(tx.nonce) + " of " + tx.signer.to_string());
    it->second = tx.nonce;
    const crypto::PublicKey key = keys_.key_at(tx.signer, t_);
    if (!tx.signed_by(key))
      return refuse("is not signed by the key of " + tx.signer.to_string() + " at that moment (" +
                    key.hex().substr(0, 16) + "...)");
    return std::visit(
        [&](const auto& b) -> Status {
          using B = std::decay_t<decltype(b)>;
          if constexpr (std::is_same_v<B, AuthorizeBody> || std::is_same_v<B, WithdrawBody> ||
                        std::is_same_v<B, SetMetadataBody> || std::is_same_v<B, ValidatorUpdateBody>)
            return refuse("is not a kind a custody chain carries");
          else
            return apply(tx, b, ans);
        },
        tx.body);
  }

  Result<CustodyAnswer> finish(const std::vector<ProvenControl>& proven, CustodyAnswer ans) {
    for (const auto& p : proven) {
      auto span = control_.over(p.range.first, p.range.last);
      if (!span)
        return fail("the certified state gives " + p.range.to_string() + " to " + p.holder.to_string() +
                    ", but by the signed custody chain " + span.error());
      for (size_t i = span->first; i < span->second; ++i) {
        const Piece& piece = control_.at(i);
        const Entry& top = piece.stack.back();
        ans.max_depth = std::max(ans.max_depth, piece.depth);
        if (top.holder != p.holder || top.until != p.lease_until)
          return fail("the certified state gives " + p.range.to_string() + " to " + p.holder.to_string() +
                      (p.lease_until ? " until " + rfc3339(p.lease_until) : std::string()) +
                      ", but the signed custody chain gives it to " + top.holder.to_string() +
                      (top.until ? " until " + rfc3339(top.until) : std::string()) +
                      ": the holding moved without its holder's signature, or the proof omits a hop");
      }
    }
    return ans;
  }

 private:
  Status refuse(const std::string& why) const { return fail(name_ + " " + why); }

  // The pieces of X = range ∩ resource; the hop must touch the resource.
  Result<std::pair<size_t, size_t>> touched(const Resource& range) {
    const Resource& r = control_.resource();
    if (range.family != r.family || range.last < r.first || range.first > r.last)
      return refuse("does not touch " + r.to_string()).take_error();
    auto span = control_.over(std::max(range.first, r.first), std::min(range.last, r.last));
    if (!span) return refuse("names " + range.to_string() + ", but " + span.error()).take_error();
    return span;
  }
  // Where the signer's holding sits in a piece's stack: once, or refused.
  Result<size_t> signer_level(const Piece& p, const AccountId& signer) {
    size_t found = p.stack.size(), count = 0;
    for (size_t i = 0; i < p.stack.size(); ++i)
      if (p.stack[i].holder == signer) found = i, ++count;
    if (count == 0)
      return refuse("is signed by " + signer.to_string() + ", who holds no holding over it; it was held by " +
                    p.stack.back().holder.to_string())
          .take_error();
    if (count > 1)
      return refuse("is signed by " + signer.to_string() +
                    ", who holds nested holdings over it; custody chains do not follow one holder's nested "
                    "holdings (whitepaper/continuity.md)")
          .take_error();
    return found;
  }
  template <class F>
  Status each_piece(const Resource& range, F&& f) {
    auto span = touched(range);
    if (!span) return span.take_error();
    for (size_t i = span->first; i < span->second; ++i) {
      Piece& p = control_.at(i);
      if (auto s = f(p); !s) return s;
      ++p.depth;
    }
    return {};
  }

  Status apply(const Transaction& tx, const DelegateBody& b, CustodyAnswer& ans) {
    ++ans.hops;
    return each_piece(b.range, [&](Piece& p) -> Status {
      if (p.stack.back().holder != tx.signer)
        return refuse("is signed by " + tx.signer.to_string() + ", but " + p.stack.back().holder.to_string() +
                      " controlled it");
      p.stack.push_back({b.to, b.kind == HoldingKind::lease ? b.lease_until : 0});
      return {};
    });
  }
  Status apply(const Transaction& tx, const TransferBody& b, CustodyAnswer& ans) {
    ++ans.hops;
    return each_piece(b.range, [&](Piece& p) -> Status {
      auto level = signer_level(p, tx.signer);
      if (!level) return level.take_error();
      p.stack[*level].holder = b.to;
      return {};
    });
  }
  Status apply(const Transaction& tx, const ReturnBody& b, CustodyAnswer& ans) {
    ++ans.hops;
    return each_piece(b.range, [&](Piece& p) -> Status {
      auto level = signer_level(p, tx.signer);
      if (!level) return level.take_error();
      if (*level == 0) return refuse("returns a root holding, which nobody can");
      p.stack.erase(p.stack.begin() + static_cast<long>(*level));
      return {};
    });
  }
  // The lease right below the signer's holding (revoke and renew).
  Result<size_t> lease_below(Piece& p, const AccountId& signer) {
    auto level = signer_level(p, signer);
    if (!level) return level.take_error();
    if (*level + 1 >= p.stack.size() || p.stack[*level + 1].until == 0)
      return refuse("is signed by " + signer.to_string() + ", who is no lessor of it").take_error();
    return *level + 1;
  }
  Status apply(const Transaction& tx, const RevokeBody& b, CustodyAnswer& ans) {
    ++ans.hops;
    return each_piece(b.range, [&](Piece& p) -> Status {
      auto lease = lease_below(p, tx.signer);
      if (!lease) return lease.take_error();
      const Entry& l = p.stack[*lease];
      // The expiry written into the lease is the only way it ends.
      if (t_ < l.until)
        return refuse("revokes the lease of " + l.holder.to_string() + " at " + rfc3339(t_) +
                      ", before its expiry " + rfc3339(l.until));
      p.stack.resize(*lease);
      return {};
    });
  }
  Status apply(const Transaction& tx, const RenewBody& b, CustodyAnswer& ans) {
    ++ans.hops;
    return each_piece(b.range, [&](Piece& p) -> Status {
      auto lease = lease_below(p, tx.signer);
      if (!lease) return lease.take_error();
      // A renew only extends: a shortened lease would let the lessor
      // revoke it early.
      const uint64_t old = p.stack[*lease].until;
      if (b.until <= old || b.until <= t_)
        return refuse("moves the expiry of the lease of " + p.stack[*lease].holder.to_string() + " from " +
                      rfc3339(old) + " to " + rfc3339(b.until) + " at " + rfc3339(t_) +
                      "; a renew must move it later, past its block time");
      p.stack[*lease].until = b.until;
      return {};
    });
  }
  Status apply(const Transaction& tx, const RotateKeyBody& b, CustodyAnswer& ans) {
    ++ans.key_changes;
    keys_.of(tx.signer).current = b.new_key;
    return {};
  }
  Status apply(const Transaction& tx, const SetRecoveryBody& b, CustodyAnswer& ans) {
    ++ans.key_changes;
    auto& a = keys_.of(tx.signer);
    a.policy = b;
    a.pending.reset();
    return {};
  }
  Status apply(const Transaction& tx, const RecoverBody& b, CustodyAnswer& ans) {
    ++ans.key_changes;
    auto& a = keys_.of(b.account);
    if (!a.policy) return refuse("recovers " + b.account.to_string() + ", but no set-recovery of it is in the proof");
    const SetRecoveryBody policy = *a.policy;
    if (std::find(policy.accounts.begin(), policy.accounts.end(), tx.signer) == policy.accounts.end())
      return refuse("is signed by " + tx.signer.to_string() + ", no recovery account of " + b.account.to_string());
    size_t signers = 0;
    for (const auto& r : policy.accounts) signers += tx.signed_by(keys_.key_at(r, t_)) ? 1 : 0;
    if (signers < policy.threshold)
      return refuse("is signed by " + std::to_string(signers) + " recovery accounts of " + b.account.to_string() +
                    "; its policy needs " + std::to_string(policy.threshold));
    if (!tx.signed_by(b.new_key)) return refuse("lacks the new key's signature");
    keys_.key_at(b.account, t_);  // settles an earlier recovery in effect
    const uint64_t at = policy.delay > UINT64_MAX - t_ ? UINT64_MAX : t_ + policy.delay;
    keys_.of(b.account).pending = std::pair(b.new_key, at);
    return {};
  }
  Status apply(const Transaction& tx, const CancelRecoveryBody&, CustodyAnswer& ans) {
    ++ans.key_changes;
    auto& a = keys_.of(tx.signer);
    if (!a.pending) return refuse("cancels no pending recovery");
    a.pending.reset();
    return {};
  }

  const Genesis& g_;
  crypto::Hash32 genesis_hash_;
  ControlModel control_;
  KeyModel keys_;
  std::map<AccountId, uint64_t> last_nonce_;
  std::string name_;
  uint64_t t_ = 0;
};

}  // namespace

Result<CustodyAnswer> verify_custody(const Genesis& genesis, const crypto::Hash32& genesis_hash, const Resource& r,
                                     const std::vector<BlockHeader>& headers, const std::vector<IncludedTx>& hops,
                                     const std::vector<ProvenControl>& proven) {
  if (hops.size() > kMaxProofCustodyHops)
    return fail("the proof carries " + std::to_string(hops.size()) + " custody hops; at most " +
                std::to_string(kMaxProofCustodyHops) + " are accepted");
  Replay replay(genesis, genesis_hash, r);
  CustodyAnswer ans;
  for (size_t i = 0; i < hops.size(); ++i) {
    const IncludedTx& hop = hops[i];
    if (hop.header >= headers.size())
      return fail("custody hop " + std::to_string(i) + " names header " + std::to_string(hop.header) + " of " +
                  std::to_string(headers.size()));
    if (auto s = replay.hop(i, hop, headers[hop.header], ans); !s) return s.take_error();
  }
  return replay.finish(proven, ans);
}

}  // namespace nl::ledger
