#include "ledger/proof_compare.h"

#include <map>

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

}  // namespace

ProofComparison compare_proofs(const ControlProof& a, const ControlProof& b) {
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
  return out;
}

}  // namespace nl::ledger
