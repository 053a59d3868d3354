#include "node/block_values.h"

#include <algorithm>

#include "consensus/proposal.h"

namespace nl::node {

namespace {
// Room left in a value for the header, the last commit (one signature per
// validator) and the evidence.
constexpr size_t kValueReserve = 1024 * 1024;
}  // namespace

crypto::Hash32 block_value_id(ByteView value) {
  auto b = ledger::Block::decode(value);
  if (!b) return crypto::Hash32{};
  return b->header.hash();
}

BuiltValue build_block_value(ledger::Chain& chain, const Mempool& mempool, const crypto::PublicKey& proposer,
                             uint64_t time, size_t max_txs) {
  auto txs = mempool.select(std::min<size_t>(max_txs, ledger::kMaxBlockTxs), consensus::kMaxValueBytes - kValueReserve);
  auto evidence = mempool.select_evidence(chain.height() + 1, ledger::kMaxBlockEvidence);
  auto p = chain.propose(txs, time, proposer, ledger::SignatureCheck::already_verified, evidence);
  (void)chain.discard_proposal();
  BuiltValue v;
  v.id = p.block.header.hash();
  v.bytes = p.block.encode();
  v.txs = p.block.txs.size();
  v.evidence = p.block.evidence.size();
  return v;
}

Status check_block_value(ledger::Chain& chain, const Mempool& mempool, ByteView value,
                         std::vector<ledger::Transaction>* newly_verified) {
  auto b = ledger::Block::decode(value);
  if (!b) return fail("proposed value is not a block: " + b.error());
  std::vector<const ledger::Transaction*> fresh;
  auto s = chain.check_block(*b, [&](const ledger::Transaction& tx) {
    const bool known = mempool.verified(tx);
    if (!known) fresh.push_back(&tx);
    return known;
  });
  if (s && newly_verified)
    for (const ledger::Transaction* tx : fresh) newly_verified->push_back(*tx);
  return s;
}

}  // namespace nl::node
