// Evidence of equivocation: two votes by one validator for different blocks
// at one height, round and type. It lives in the ledger because blocks
// carry it and the rules check it.
#pragma once
#include <cstdint>
#include <string>

#include "crypto/ed25519.h"
#include "crypto/hash.h"
#include "crypto/basics/result.h"
#include "ledger/canonical.h"
#include "ledger/vote.h"

namespace nl::ledger {

struct ValidatorSet;

// Two conflicting votes; a is the one with the smaller block hash, so one
// equivocation has exactly one encoding.
struct Evidence {
  SignedVote a;
  SignedVote b;

  auto operator<=>(const Evidence&) const = default;
  template <class V, class Self>
  static void fields(V& v, Self& e) {
    v(field("a", e.a));
    v(field("b", e.b));
  }
  // One equivocation has one encoding: the swapped pair is not another.
  static Status check_decoded(const Evidence& e);
  // Orders the pair and checks: same validator, height, round and type,
  // different block hashes.
  static Result<Evidence> make(const SignedVote& x, const SignedVote& y);
  // The shape above, both signatures verify, and the validator is in `set`
  // (the set that was voting at a.height).
  Status check(const crypto::Hash32& genesis_hash, const ValidatorSet& set) const;
  crypto::Hash32 id() const;  // tagged_hash(kEvidence, canonical(a, b))
  void encode(Writer& w) const;
  static Evidence decode(Reader& r);
  Bytes encode() const;
  static Result<Evidence> decode(ByteView in);
};

// Evidence as the state holds it: the pair and the height of the block
// that committed it. Encoded Evidence || u64 committed_height.
struct CommittedEvidence {
  Evidence evidence;
  uint64_t committed_height = 0;

  auto operator<=>(const CommittedEvidence&) const = default;
  template <class V, class Self>
  static void fields(V& v, Self& c) {
    v(field("evidence", c.evidence));
    v(field("committed_height", c.committed_height));
  }
  void encode(Writer& w) const;
  static CommittedEvidence decode(Reader& r);
};

}  // namespace nl::ledger
