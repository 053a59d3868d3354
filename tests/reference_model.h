// A deliberately naive model of the registry rules for the property test:
// a plain vector of holdings, linear scans everywhere, no indexes and no
// segment map. It shares only the value types and the transaction format
// with registry*.cpp, so agreement between the two means something.
#pragma once
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "ledger/registry.h"
#include "ledger/state_keys.h"

namespace nl::test {

using namespace nl::ledger;

class ReferenceModel {
 public:
  ReferenceModel(std::string chain_id, const crypto::Hash32& genesis_hash)
      : chain_id_(std::move(chain_id)), genesis_hash_(genesis_hash) {}

  bool add_root(const Resource& r, const AccountId& holder, const Metadata& meta) {
    for (const auto& h : hs_)
      if (h.parent == 0 && h.range.overlaps(r)) return false;
    Holding h;
    h.id = next_id_++;
    h.range = r;
    h.holder = holder;
    h.meta = meta;
    hs_.push_back(h);
    return true;
  }

  // True when accepted; on rejection `reason` says which rule refused it.
  bool apply(const Transaction& tx, const BlockContext& ctx, bool verify) {
    reason.clear();
    if (tx.chain_id != chain_id_) return no("chain");
    if (tx.genesis_hash != genesis_hash_) return no("genesis");
    if (tx.nonce != next_nonce(tx.signer)) return no("nonce");
    if (!tx.signed_by(current_key(tx.signer))) return no("signer key");
    // Only the keys the kind needs may sign (validator-update is outside the model).
    for (const auto& s : tx.signatures) {
      bool needed = s.key == current_key(tx.signer);
      if (auto* t = std::get_if<TransferBody>(&tx.body)) needed = needed || s.key == current_key(t->to);
      if (auto* r = std::get_if<RotateKeyBody>(&tx.body)) needed = needed || s.key == r->new_key;
      if (!needed) return no("unneeded signature");
    }
    if (verify && !tx.check_signatures()) return no("bad signature");
    bool ok = std::visit([&](const auto& b) { return body(tx, b, ctx); }, tx.body);
    if (!ok) return false;
    auto& a = accounts_[tx.signer];
    if (a.next_nonce == 0) {
      a.next_nonce = 1;
      if (a.current == crypto::PublicKey{}) a.current = tx.signer.key;
    }
    a.next_nonce++;
    return true;
  }

  uint64_t next_nonce(const AccountId& a) const {
    auto it = accounts_.find(a);
    return it == accounts_.end() || it->second.next_nonce == 0 ? 1 : it->second.next_nonce;
  }
  crypto::PublicKey current_key(const AccountId& a) const {
    auto it = accounts_.find(a);
    return it == accounts_.end() || it->second.current == crypto::PublicKey{} ? a.key
                                                                              : it->second.current;
  }

  const std::vector<Holding>& holdings() const { return hs_; }
  const std::vector<Authorization>& authorizations() const { return auths_; }
  // Sorted as the registry's key order sorts them.
  std::vector<Authorization> sorted_authorizations() const {
    std::vector<std::pair<Bytes, Authorization>> v;
    for (const auto& a : auths_) v.emplace_back(keys::authorization(a.prefix, a.max_length, a.asn), a);
    std::sort(v.begin(), v.end());
    std::vector<Authorization> out;
    for (auto& [k, a] : v) out.push_back(a);
    return out;
  }

  // The deepest holding containing the point, or 0.
  HoldingId controller_at(Family f, u128 p) const {
    const Holding* best = deepest_containing(Resource{f, p, p}, nullptr);
    return best ? best->id : 0;
  }

  AccountId holder_of(HoldingId id) const { return find(id)->holder; }

  std::string reason;

 private:
  bool no(std::string why) {
    reason = std::move(why);
    return false;
  }

  const Holding* find(HoldingId id) const {
    for (const auto& h : hs_)
      if (h.id == id) return &h;
    return nullptr;
  }
  Holding* find(HoldingId id) {
    for (auto& h : hs_)
      if (h.id == id) return &h;
    return nullptr;
  }
  int depth(const Holding& h) const {
    int d = 0;
    for (HoldingId p = h.parent; p; p = find(p)->parent) ++d;
    return d;
  }
  bool is_descendant(const Holding& h, HoldingId ancestor) const {
    for (HoldingId p = h.parent; p; p = find(p)->parent)
      if (p == ancestor) return true;
    return false;
  }
  template <class Pred>
  const Holding* deepest_containing(const Resource& r, Pred pred) const {
    const Holding* best = nullptr;
    int best_depth = -1;
    for (const auto& h : hs_) {
      if (!h.range.contains(r)) continue;
      if (!pred(h)) continue;
      int d = depth(h);
      if (d > best_depth) best = &h, best_depth = d;
    }
    return best;
  }
  const Holding* deepest_containing(const Resource& r, std::nullptr_t) const {
    return deepest_containing(r, [](const Holding&) { return true; });
  }
  static bool expired(const Holding& h, uint64_t t) {
    return h.kind == HoldingKind::lease && h.lease_until <= t;
  }
  // The signer's deepest holding containing r, if usable by it.
  Holding* signer_holding(const Resource& r, const AccountId& s, const BlockContext& ctx) {
    const Holding* h = deepest_containing(r, [&](const Holding& x) { return x.holder == s; });
    if (!h) return no("signer holds nothing containing the range"), nullptr;
    if (expired(*h, ctx.time)) return no("expired lease"), nullptr;
    return find(h->id);
  }
  bool child_overlaps(HoldingId parent, const Resource& r) const {
    for (const auto& h : hs_)
      if (h.parent == parent && h.range.overlaps(r)) return true;
    return false;
  }
  bool child_straddles(HoldingId parent, const Resource& r) const {
    for (const auto& h : hs_)
      if (h.parent == parent && h.range.overlaps(r) && !r.contains(h.range)) return true;
    return false;
  }
  // Every number of `prefix` has `who` as effective controller: the deepest
  // holding is constant between consecutive holding edges, so probing each
  // edge inside the prefix suffices.
  // The first number of prefix and every holding boundary inside it: where
  // who holds what can change.
  std::vector<u128> probes(const Resource& prefix) const {
    std::vector<u128> out{prefix.first};
    for (const auto& h : hs_) {
      if (!h.range.overlaps(prefix)) continue;
      if (h.range.first > prefix.first) out.push_back(h.range.first);
      if (h.range.last < prefix.last) out.push_back(h.range.last + 1);
    }
    return out;
  }
  bool controls(const Resource& prefix, const AccountId& who, const BlockContext* active) const {
    for (u128 p : probes(prefix)) {
      const Holding* d = deepest_containing(Resource{prefix.family, p, p}, nullptr);
      if (!d || d->holder != who) return false;
      if (active && expired(*d, active->time)) return false;
    }
    return true;
  }
  // Some holding of `who` contains each number of prefix (ledger.md: the
  // holder of an aggregate authorizes it); with `active`, an unexpired one.
  bool covers(const Resource& prefix, const AccountId& who, const BlockContext* active) const {
    for (u128 p : probes(prefix)) {
      const Resource point{prefix.family, p, p};
      if (std::none_of(hs_.begin(), hs_.end(), [&](const Holding& h) {
            return h.holder == who && h.range.contains(point) && !(active && expired(h, active->time));
          }))
        return false;
    }
    return true;
  }
  void lapse() {
    std::erase_if(auths_, [&](const Authorization& a) { return !covers(a.prefix, a.issuer, nullptr); });
  }
  // The deepest lease with exactly range r whose parent is held by s.
  Holding* lessors_lease(const Resource& r, const AccountId& s) {
    const Holding* l = deepest_containing(r, [&](const Holding& x) {
      return x.range == r && x.kind == HoldingKind::lease && x.parent && find(x.parent)->holder == s;
    });
    return l ? find(l->id) : nullptr;
  }
  // Splits h around r: h keeps the left remainder if any, else the right;
  // the other remainder gets the next id. Children of the other remainder
  // move to it; returns the ids of the children inside r.
  std::vector<HoldingId> split(HoldingId hid, const Resource& r, uint64_t height) {
    Holding orig = *find(hid);
    Family f = r.family;
    bool has_left = r.first > orig.range.first, has_right = r.last < orig.range.last;
    Resource left{f, orig.range.first, r.first - 1}, right{f, r.last + 1, orig.range.last};
    find(hid)->range = has_left ? left : right;
    HoldingId other = 0;
    if (has_left && has_right) {
      Holding o = orig;
      o.id = other = next_id_++;
      o.range = right;
      o.created_height = height;
      hs_.push_back(o);
    }
    std::vector<HoldingId> inside;
    for (auto& c : hs_) {
      if (c.parent != hid) continue;
      if (r.contains(c.range)) inside.push_back(c.id);
      else if (other && right.contains(c.range)) c.parent = other;
    }
    return inside;
  }

  bool body(const Transaction& tx, const DelegateBody& b, const BlockContext& ctx) {
    if (b.to == tx.signer) return no("self");
    if (b.kind == HoldingKind::lease ? b.lease_until <= ctx.time : b.lease_until != 0)
      return no("lease expiry");
    Holding* h = signer_holding(b.range, tx.signer, ctx);
    if (!h) return false;
    if (child_overlaps(h->id, b.range)) return no("overlap");
    Holding c;
    c.id = next_id_++;
    c.range = b.range;
    c.holder = b.to;
    c.parent = h->id;
    c.kind = b.kind;
    c.lease_until = b.lease_until;
    c.created_height = ctx.height;
    hs_.push_back(c);
    lapse();
    return true;
  }
  bool body(const Transaction& tx, const TransferBody& b, const BlockContext& ctx) {
    if (b.to == tx.signer) return no("self");
    Holding* h = signer_holding(b.range, tx.signer, ctx);
    if (!h) return false;
    if (!tx.signed_by(current_key(b.to))) return no("co-signature");
    if (h->range == b.range) {
      h->holder = b.to;
    } else {
      if (child_straddles(h->id, b.range)) return no("straddle");
      Holding piece = *h;
      auto inside = split(h->id, b.range, ctx.height);
      piece.id = next_id_++;
      piece.range = b.range;
      piece.holder = b.to;
      piece.created_height = ctx.height;
      hs_.push_back(piece);
      for (HoldingId c : inside) find(c)->parent = piece.id;
    }
    lapse();
    return true;
  }
  bool body(const Transaction& tx, const ReturnBody& b, const BlockContext& ctx) {
    Holding* h = signer_holding(b.range, tx.signer, ctx);
    if (!h) return false;
    if (h->parent == 0) return no("root");
    HoldingId hid = h->id, parent = h->parent;
    if (h->range == b.range) {
      for (auto& c : hs_)
        if (c.parent == hid) c.parent = parent;
      std::erase_if(hs_, [&](const Holding& x) { return x.id == hid; });
    } else {
      if (child_straddles(hid, b.range)) return no("straddle");
      for (HoldingId c : split(hid, b.range, ctx.height)) find(c)->parent = parent;
    }
    lapse();
    return true;
  }
  bool body(const Transaction& tx, const RevokeBody& b, const BlockContext& ctx) {
    Holding* l = lessors_lease(b.range, tx.signer);
    if (!l) return no("no lease of the signer's");
    if (ctx.time < l->lease_until) return no("not expired");
    HoldingId lid = l->id;
    std::vector<HoldingId> doomed;
    for (const auto& x : hs_)
      if (x.id == lid || is_descendant(x, lid)) doomed.push_back(x.id);
    std::erase_if(hs_, [&](const Holding& x) {
      return std::find(doomed.begin(), doomed.end(), x.id) != doomed.end();
    });
    lapse();
    return true;
  }
  bool body(const Transaction& tx, const RenewBody& b, const BlockContext& ctx) {
    Holding* l = lessors_lease(b.range, tx.signer);
    if (!l) return no("no lease of the signer's");
    if (b.until <= l->lease_until || b.until <= ctx.time) return no("renewal too early");
    l->lease_until = b.until;
    return true;
  }
  bool body(const Transaction& tx, const AuthorizeBody& b, const BlockContext& ctx) {
    if (b.prefix.family == Family::asn) return no("asn");
    auto len = b.prefix.prefix_length();
    if (!len || b.max_length < *len || b.max_length > family_bits(b.prefix.family))
      return no("prefix shape");
    for (const auto& a : auths_)
      if (a.prefix == b.prefix && a.max_length == b.max_length && a.asn == b.asn)
        return no("duplicate");
    if (!covers(b.prefix, tx.signer, &ctx)) return no("not controller");
    auths_.push_back(Authorization{b.prefix, b.max_length, b.asn, tx.signer, ctx.height});
    return true;
  }
  bool body(const Transaction& tx, const WithdrawBody& b, const BlockContext&) {
    auto it = std::find_if(auths_.begin(), auths_.end(), [&](const Authorization& a) {
      return a.prefix == b.prefix && a.max_length == b.max_length && a.asn == b.asn;
    });
    if (it == auths_.end()) return no("missing");
    if (it->issuer != tx.signer && !controls(b.prefix, tx.signer, nullptr)) return no("not issuer");
    auths_.erase(it);
    return true;
  }
  static bool text_ok(const std::string& s) {
    if (s.size() > kMaxMetadataField) return false;
    for (size_t i = 0; i < s.size();) {
      auto c = static_cast<unsigned char>(s[i]);
      if (c < 0x20 || c == 0x7f) return false;
      if (c < 0x80) {
        ++i;
        continue;
      }
      // Multi-byte: decode and reject overlongs, surrogates and C1 controls.
      int n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xc2 && c <= 0xdf ? 2 : 0;
      if (n == 0 || i + n > s.size()) return false;
      uint32_t cp = c & (0xff >> (n + 1));
      for (int k = 1; k < n; ++k) {
        auto cc = static_cast<unsigned char>(s[i + k]);
        if ((cc & 0xc0) != 0x80) return false;
        cp = cp << 6 | (cc & 0x3f);
      }
      if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff))) return false;
      if ((cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f)) return false;
      i += n;
    }
    return true;
  }
  bool body(const Transaction& tx, const SetMetadataBody& b, const BlockContext& ctx) {
    const Metadata& m = b.meta;
    for (const auto* f : {&m.name, &m.country, &m.source_registry, &m.source_handle, &m.abuse_contact})
      if (!text_ok(*f)) return no("metadata text");
    auto letter = [](char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; };
    if (!m.country.empty() && (m.country.size() != 2 || !letter(m.country[0]) || !letter(m.country[1])))
      return no("country");
    const Holding* h = deepest_containing(
        b.range, [&](const Holding& x) { return x.holder == tx.signer && x.range == b.range; });
    if (!h) return no("no exact holding");
    if (expired(*h, ctx.time)) return no("expired lease");
    find(h->id)->meta = m;
    return true;
  }
  bool body(const Transaction& tx, const RotateKeyBody& b, const BlockContext&) {
    if (std::none_of(hs_.begin(), hs_.end(), [&](const Holding& h) { return h.holder == tx.signer; }))
      return no("holds nothing");
    if (b.new_key == current_key(tx.signer)) return no("same key");
    if (!tx.signed_by(b.new_key)) return no("new key co-signature");
    auto& a = accounts_[tx.signer];
    if (a.next_nonce == 0) a.next_nonce = 1;
    a.current = b.new_key;
    return true;
  }
  // Validator sets are outside this model (the property test makes no
  // validator-update; tests/test_validator_update.cpp covers the rule).
  bool body(const Transaction&, const ValidatorUpdateBody&, const BlockContext&) { return no("validator-update"); }
  // Key recovery is outside the model too (tests/test_key_recovery.cpp).
  bool body(const Transaction&, const SetRecoveryBody&, const BlockContext&) { return no("set-recovery"); }
  bool body(const Transaction&, const RecoverBody&, const BlockContext&) { return no("recover"); }
  bool body(const Transaction&, const CancelRecoveryBody&, const BlockContext&) { return no("cancel-recovery"); }

  std::string chain_id_;
  crypto::Hash32 genesis_hash_;
  std::vector<Holding> hs_;
  std::vector<Authorization> auths_;
  struct Acct {
    uint64_t next_nonce = 0;  // 0: not yet created
    crypto::PublicKey current;
  };
  std::map<AccountId, Acct> accounts_;
  HoldingId next_id_ = 1;
};

}  // namespace nl::test
