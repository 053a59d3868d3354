#include "ledger/evidence_vote.h"

#include "ledger/field_codec.h"
#include "ledger/validator_set.h"

namespace nl::ledger {
namespace {

Status check_shape(const SignedVote& a, const SignedVote& b) {
  if (a.validator != b.validator) return fail("evidence votes are by different validators");
  if (a.height != b.height || a.round != b.round || a.type != b.type)
    return fail("evidence votes are for different heights, rounds or steps");
  if (a.block_hash == b.block_hash) return fail("evidence votes are for the same block");
  return {};
}

}  // namespace

Result<VoteEvidence> VoteEvidence::make(const SignedVote& x, const SignedVote& y) {
  if (auto s = check_shape(x, y); !s) return s.take_error();
  return x.block_hash < y.block_hash ? VoteEvidence{x, y} : VoteEvidence{y, x};
}

Status VoteEvidence::check(const crypto::Hash32& genesis_hash, const ValidatorSet& set) const {
  if (auto s = check_shape(a, b); !s) return s;
  if (!(a.block_hash < b.block_hash)) return fail("evidence votes are not in canonical order");
  if (!set.find(a.validator))
    return fail("evidence names " + a.validator.hex() + ", not a validator at height " +
                std::to_string(a.height));
  if (!a.verify(genesis_hash) || !b.verify(genesis_hash))
    return fail("evidence vote signature by " + a.validator.hex() + " does not verify");
  return {};
}

Status VoteEvidence::check_decoded(const VoteEvidence& e) {
  if (!(e.a.block_hash < e.b.block_hash))
    return fail("evidence votes are not in canonical order (smaller block hash first)");
  return {};
}

void VoteEvidence::encode(Writer& w) const { write_fields(w, *this); }

VoteEvidence VoteEvidence::decode(Reader& r) { return read_fields<VoteEvidence>(r); }

}  // namespace nl::ledger
