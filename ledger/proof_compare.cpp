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

bool overlaps(const Resource& x, const Resource& y) {
  return x.family == y.family && x.first <= y.last && x.last >= y.first;
}

// Why `to`'s custody chain, with `extra` (hops of `from`, in their own
// headers) put back in order, does not end at what `to`'s certified state
// shows; empty when it does.
std::string replay_with(const ControlProof& to, const ControlProof& from, const std::vector<IncludedTx>& extra,
                        const Genesis& g, const TrustedSet& genesis_set) {
  auto certified = verify_control_proof(to, genesis_set);
  if (!certified) return "it does not verify: " + certified.error();
  std::vector<ProvenControl> proven;
  for (const auto& part : certified->parts) proven.push_back({part.proven, part.holding.holder, part.holding.lease_until});
  std::vector<BlockHeader> headers;
  for (const auto& h : to.headers) headers.push_back(h.header);
  std::vector<IncludedTx> hops = to.custody;
  for (IncludedTx hop : extra) {
    headers.push_back(from.headers[hop.header].header);
    hop.header = static_cast<uint32_t>(headers.size() - 1);
    hops.push_back(std::move(hop));
  }
  std::stable_sort(hops.begin(), hops.end(), [&](const IncludedTx& x, const IncludedTx& y) {
    return std::pair(headers[x.header].height, x.inclusion.index) < std::pair(headers[y.header].height, y.inclusion.index);
  });
  auto replayed = verify_custody(g, genesis_set.genesis_hash, to.resource, headers, hops, proven);
  return replayed ? std::string() : replayed.error();
}

// The hops of `from` that `to` leaves out, at or below its height: range
// hops over `to`'s resource, and key changes of accounts that sign in
// `to`'s chain. Put back into `to`'s chain together, and replayed.
void omissions(const ControlProof& from, const ControlProof& to, bool from_a, const Genesis& g,
               const TrustedSet& genesis_set, std::vector<CustodyOmission>& out) {
  std::set<std::pair<uint64_t, crypto::Hash32>> carried;
  for (const auto& t : to.custody) carried.insert({to.headers[t.header].header.height, t.tx.id()});
  const uint64_t top = to.state_header().header.height;
  std::set<AccountId> signers;
  for (const auto& t : to.custody) signers.insert(t.tx.signer);
  CustodyOmission o;
  o.from_a = from_a;
  std::vector<IncludedTx> extra;
  for (const auto& t : from.custody) {
    const BlockHeader& h = from.headers[t.header].header;
    auto range = named_range(t.tx.body);
    auto account = key_changed_account(t.tx);
    const bool relevant = range ? overlaps(*range, to.resource) : account && signers.contains(*account);
    if (!relevant || h.height > top) continue;
    const crypto::Hash32 id = t.tx.id();
    if (carried.contains({h.height, id})) continue;
    o.hops.push_back({h.height, id, std::string(tx_kind_name(body_kind(t.tx.body)))});
    extra.push_back(t);
  }
  if (o.hops.empty()) return;
  o.refused = replay_with(to, from, extra, g, genesis_set);
  out.push_back(std::move(o));
}

}  // namespace

ProofComparison compare_proofs(const ControlProof& a, const ControlProof& b, const Genesis* genesis) {
  std::map<uint64_t, const ProofHeader*> by_height;
  for (const auto& h : a.headers) by_height[h.header.height] = &h;
  ProofComparison out;
  for (const auto& hb : b.headers) {
    auto it = by_height.find(hb.header.height);
    if (it == by_height.end()) continue;
    ++out.common_heights;
    const ProofHeader& ha = *it->second;
    const crypto::Hash32 xa = ha.header.hash(), xb = hb.header.hash();
    if (xa == xb) continue;
    HeaderConflict c{hb.header.height, xa, xb, {}};
    if (!ha.cert || !hb.cert) {  // a header proven by a state: its signers are those of that state's header
      out.conflicts.push_back(std::move(c));
      continue;
    }
    // Both vote lists are sorted by key.
    auto i = ha.cert->votes.begin(), j = hb.cert->votes.begin();
    while (i != ha.cert->votes.end() && j != hb.cert->votes.end()) {
      if (i->validator < j->validator) {
        ++i;
      } else if (j->validator < i->validator) {
        ++j;
      } else {
        c.signers.push_back({i->validator, precommit(*ha.cert, *i), precommit(*hb.cert, *j)});
        ++i, ++j;
      }
    }
    out.conflicts.push_back(std::move(c));
  }
  if (genesis) {
    const TrustedSet genesis_set = TrustedSet::from_genesis(*genesis);  // hashes the genesis once
    omissions(a, b, true, *genesis, genesis_set, out.omissions);
    omissions(b, a, false, *genesis, genesis_set, out.omissions);
  }
  return out;
}

}  // namespace nl::ledger
