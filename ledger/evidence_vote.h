// Evidence of a double vote: two votes by one validator for different
// blocks at one height, round and type. It lives in the ledger because
// blocks carry it and the rules check it.
#pragma once
#include <cstdint>

#include "crypto/basics/result.h"
#include "crypto/hash.h"
#include "ledger/canonical.h"
#include "ledger/vote.h"

namespace nl::ledger {

struct ValidatorSet;

// Two conflicting votes; a is the one with the smaller block hash, so one
// equivocation has exactly one encoding.
struct VoteEvidence {
  SignedVote a;
  SignedVote b;

  auto operator<=>(const VoteEvidence&) const = default;
  template <class V, class Self>
  static void fields(V& v, Self& e) {
    v(field("a", e.a));
    v(field("b", e.b));
  }
  // One equivocation has one encoding: the swapped pair is not another.
  static Status check_decoded(const VoteEvidence& e);
  // Orders the pair and checks: same validator, height, round and type,
  // different block hashes.
  static Result<VoteEvidence> make(const SignedVote& x, const SignedVote& y);
  // The shape above, both signatures verify, and the validator is in `set`
  // (the set that was voting at a.height).
  Status check(const crypto::Hash32& genesis_hash, const ValidatorSet& set) const;
  void encode(Writer& w) const;
  static VoteEvidence decode(Reader& r);
};

}  // namespace nl::ledger
