#include "ledger/proof_compare.h"

#include <algorithm>
#include <map>
#include <set>

namespace nl::ledger {

namespace {

SignedVote precommit(const CommitCertificate& c, const VoteSignature& v) {
  SignedVote s;
  s.height = c.height;
  s.round = c.round;
  s.type = VoteType::precommit;
  s.block_hash = c.block_hash;
  s.validator = v.validator;
  s.sig = v.sig;
  return s;
}

// `p` with `hop` (from a block whose certified header is `h`) put in its place.
ControlProof with_hop(ControlProof p, const CertifiedHeader& h, IncludedTx hop) {
  auto at = std::lower_bound(p.headers.begin(), p.headers.end(), h.header.height,
                             [](const CertifiedHeader& x, uint64_t height) { return x.header.height < height; });
  const auto index = static_cast<uint32_t>(at - p.headers.begin());
  if (at == p.headers.end() || at->header.height != h.header.height) {
    p.headers.insert(at, h);
    for (auto* list : {&p.set_changes, &p.custody})
      for (auto& t : *list) t.header += t.header >= index ? 1 : 0;
  }
  hop.header = index;
  auto pos = std::lower_bound(p.custody.begin(), p.custody.end(), hop, [](const IncludedTx& x, const IncludedTx& y) {
    return std::pair(x.header, x.inclusion.index) < std::pair(y.header, y.inclusion.index);
  });
  p.custody.insert(pos, std::move(hop));
  return p;
}

bool overlaps(const Resource& x, const Resource& y) {
  return x.family == y.family && x.first <= y.last && x.last >= y.first;
}

// The hops of `from` that `to` leaves out, at or below its height: range
// hops over `to`'s resource, and key changes of accounts that sign in
// `to`'s chain. Put back into `to` together, and checked.
void omissions(const ControlProof& from, const ControlProof& to, bool from_a, const Genesis& g,
               std::vector<CustodyOmission>& out) {
  std::set<std::pair<uint64_t, crypto::Hash32>> carried;
  for (const auto& t : to.custody) carried.insert({to.headers[t.header].header.height, t.tx.id()});
  const uint64_t top = to.state_header().header.height;
  std::set<AccountId> signers;
  for (const auto& t : to.custody) signers.insert(t.tx.signer);
  CustodyOmission o;
  o.from_a = from_a;
  ControlProof restored = to;
  for (const auto& t : from.custody) {
    const CertifiedHeader& h = from.headers[t.header];
    auto range = named_range(t.tx.body);
    auto account = key_changed_account(t.tx);
    const bool relevant = range ? overlaps(*range, to.resource) : account && signers.contains(*account);
    if (!relevant || h.header.height > top) continue;
    const crypto::Hash32 id = t.tx.id();
    if (carried.contains({h.header.height, id})) continue;
    o.hops.push_back({h.header.height, id, std::string(tx_kind_name(body_kind(t.tx.body)))});
    restored = with_hop(std::move(restored), h, t);
  }
  if (o.hops.empty()) return;
  if (auto v = verify_control_proof(restored, g); !v) o.refused = v.error();
  out.push_back(std::move(o));
}

}  // namespace

ProofComparison compare_proofs(const ControlProof& a, const ControlProof& b, const Genesis* genesis) {
  std::map<uint64_t, const CertifiedHeader*> by_height;
  for (const auto& h : a.headers) by_height[h.header.height] = &h;
  ProofComparison out;
  for (const auto& hb : b.headers) {
    auto it = by_height.find(hb.header.height);
    if (it == by_height.end()) continue;
    ++out.common_heights;
    const CertifiedHeader& ha = *it->second;
    const crypto::Hash32 xa = ha.header.hash(), xb = hb.header.hash();
    if (xa == xb) continue;
    HeaderConflict c{hb.header.height, xa, xb, {}};
    // Both vote lists are sorted by key.
    auto i = ha.cert.votes.begin(), j = hb.cert.votes.begin();
    while (i != ha.cert.votes.end() && j != hb.cert.votes.end()) {
      if (i->validator < j->validator) {
        ++i;
      } else if (j->validator < i->validator) {
        ++j;
      } else {
        c.signers.push_back({i->validator, precommit(ha.cert, *i), precommit(hb.cert, *j)});
        ++i, ++j;
      }
    }
    out.conflicts.push_back(std::move(c));
  }
  if (genesis) {
    omissions(a, b, true, *genesis, out.omissions);
    omissions(b, a, false, *genesis, out.omissions);
  }
  return out;
}

}  // namespace nl::ledger
