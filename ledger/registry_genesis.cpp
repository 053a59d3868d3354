// Loading a genesis's imported holdings and authorizations. Nobody signs
// them (the genesis is what every operator agreed to), but they keep the
// same invariants as transactions: each holding lies inside its parent,
// siblings are disjoint (I1-I3), and an authorization's issuer controls
// all of its prefix.
#include <algorithm>

#include "ledger/genesis.h"
#include "ledger/registry.h"
#include "ledger/state_keys.h"

namespace nl::ledger {

Status Registry::add_genesis_imports(const Genesis& g) {
  // Pre-order, file order: holding ids follow the file, whatever its depth.
  struct Pending {
    const GenesisHolding* h;
    HoldingId parent;  // 0: the root that contains it
  };
  std::vector<Pending> stack;
  for (auto it = g.holdings.rbegin(); it != g.holdings.rend(); ++it) stack.push_back({&*it, 0});
  std::set<Family> touched;
  while (!stack.empty()) {
    const Pending p = stack.back();
    stack.pop_back();
    const GenesisHolding& gh = *p.h;
    const Resource& r = gh.range;
    const std::string name = "genesis holding " + r.to_string();
    auto f = static_cast<uint8_t>(r.family);
    if (f < 1 || f > 3 || r.first > r.last || r.last > family_max(r.family)) return fail(name + " is malformed");
    HoldingId parent = p.parent;
    if (parent == 0) {
      auto rt = roots_.find(r.family);
      auto root = rt == roots_.end() ? std::nullopt : rt->second.containing(r);
      if (!root) return fail(name + " lies in no root");
      parent = *root;
    }
    const Holding up = holdings_.at(parent);
    if (!up.range.contains(r)) return fail(name + " is not inside its parent " + describe_holding(up));
    if (gh.kind == HoldingKind::lease) return fail(name + " is a lease; genesis holdings can't be leases");
    if (auto s = gh.meta.validate(); !s) return fail(name + ": " + s.error());
    if (auto c = children_.find(parent); c != children_.end())
      if (auto hit = c->second.first_overlap(r))
        return fail(name + " overlaps its sibling " + describe_holding(holdings_.at(hit->second)));
    Holding h;
    h.id = take_id();
    h.range = r;
    h.holder = gh.holder;
    h.parent = parent;
    h.kind = gh.kind;
    h.meta = gh.meta;
    create_holding(h);
    touched.insert(r.family);
    for (auto it = gh.children.rbegin(); it != gh.children.rend(); ++it) stack.push_back({&*it, h.id});
  }
  // One pass per family over the finished tree costs O(n); recomputing
  // after every holding would cost O(n log n).
  for (Family f : touched) recompute_segments(Resource{f, 0, family_max(f)});

  for (const auto& a : g.authorizations) {
    const Resource& p = a.prefix;
    const std::string name = "genesis authorization " + p.to_string() + " maxLength " +
                             std::to_string(a.max_length) + " AS" + std::to_string(a.asn);
    if (p.family == Family::asn) return fail(name + ": authorizations are for IP prefixes");
    auto len = p.prefix_length();
    if (!len) return fail(name + ": not a CIDR prefix");
    if (a.max_length < *len || a.max_length > family_bits(p.family))
      return fail(name + ": maxLength must lie between the prefix length " + std::to_string(*len) + " and " +
                  std::to_string(family_bits(p.family)));
    Bytes key = keys::authorization(p, a.max_length, a.asn);
    if (authorizations_.contains(key)) return fail(name + " is listed twice");
    if (auto s = covers_all(p, a.issuer, nullptr); !s)
      return fail(name + ": its issuer " + a.issuer.to_string() + " does not control the prefix: " + s.error());
    authorizations_.insert(key, Authorization{p, a.max_length, a.asn, a.issuer, 0});
    dirty_.insert(std::move(key));
  }
  return {};
}

}  // namespace nl::ledger
