#include "node/driver/tx_admission.h"

namespace nl::node {

namespace {

Admission check_one(ledger::Chain& chain, const Mempool& mempool, const ledger::Transaction& tx, uint64_t time,
                    size_t max_ahead) {
  using V = Admission::Verdict;
  const ledger::Registry& reg = chain.registry();
  const uint64_t next = reg.next_nonce(tx.signer);
  if (tx.nonce < next)
    return {V::refused, "nonce " + std::to_string(tx.nonce) + " of " + tx.signer.to_string() +
                            " is already used (the account expects " + std::to_string(next) + ")",
            "nonce_used"};
  if (tx.nonce - next >= max_ahead)
    return {V::busy, "nonce " + std::to_string(tx.nonce) + " is " + std::to_string(tx.nonce - next) +
                         " ahead of the next nonce of " + tx.signer.to_string() + " (" + std::to_string(next) +
                         "); at most " + std::to_string(max_ahead) + " may wait: retry when earlier ones commit",
            "nonce_ahead"};
  if (auto holder = mempool.nonce_holder(tx.signer, tx.nonce); holder && *holder != tx.id())
    return {V::refused, "nonce " + std::to_string(tx.nonce) + " of " + tx.signer.to_string() +
                            " is taken by waiting transaction " + holder->hex(),
            "nonce_taken"};
  // After a waiting key rotation the signer's key is not the committed one:
  // the rules run when the rotation has committed.
  if (tx.nonce > next && mempool.rotation_pending(tx.signer)) return {};
  // As the account's next transaction; signatures were verified already,
  // so changing the nonce of this copy only moves where it stands.
  ledger::Transaction as_next = tx;
  as_next.nonce = next;
  auto run = chain.dry_run({as_next}, time, ledger::SignatureCheck::already_verified);
  if (!run.rejected.empty()) return {V::refused, run.rejected.front().reason, "rules"};
  return {};
}

}  // namespace

std::vector<Admission> admit(ledger::Chain& chain, const Mempool& mempool, const std::vector<ledger::Transaction>& txs,
                             uint64_t time, size_t max_ahead) {
  std::vector<Admission> out;
  out.reserve(txs.size());
  for (const auto& tx : txs) out.push_back(check_one(chain, mempool, tx, time, max_ahead));
  return out;
}

}  // namespace nl::node
