#include "ledger/proposal_sign_bytes.h"

#include "crypto/domain_tags.h"
#include "ledger/canonical.h"

namespace nl::ledger {

Bytes proposal_sign_bytes(const crypto::Hash32& genesis_hash, uint64_t height, uint32_t round, int32_t pol_round,
                          const crypto::Hash32& value_id) {
  Writer w;
  w.u8(static_cast<uint8_t>(tags::kProposal.size())).raw(as_bytes(tags::kProposal));
  w.fixed(genesis_hash.b).u64(height).u32(round).u32(static_cast<uint32_t>(pol_round)).fixed(value_id.b);
  return w.take();
}

}  // namespace nl::ledger
