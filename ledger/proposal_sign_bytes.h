// What a consensus proposal signs:
//   u8 len(tag) || kProposal || genesis hash || u64 height || u32 round
//   || u32 pol_round (two's complement: -1 is 0xffffffff) || value_id[32]
// It lives in the ledger, beside vote_sign_bytes, because proposal evidence
// is checked by the ledger's rules, which cannot include consensus/;
// consensus::Proposal::sign_bytes calls this one function.
#pragma once
#include <cstdint>

#include "crypto/basics/bytes.h"
#include "crypto/hash.h"

namespace nl::ledger {

Bytes proposal_sign_bytes(const crypto::Hash32& genesis_hash, uint64_t height, uint32_t round, int32_t pol_round,
                          const crypto::Hash32& value_id);

}  // namespace nl::ledger
