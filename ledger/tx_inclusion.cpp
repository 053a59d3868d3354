#include "ledger/tx_inclusion.h"

#include <string>

#include "crypto/domain_tags.h"
#include "crypto/merkle.h"

namespace nl::ledger {

namespace {
crypto::Hash32 tx_leaf(const Transaction& tx) { return crypto::tagged_hash(tags::kTxLeaf, tx.encode()); }
}  // namespace

TxInclusion prove_tx_inclusion(const std::vector<Transaction>& txs, uint32_t index) {
  std::vector<crypto::Hash32> leaves;
  leaves.reserve(txs.size());
  for (const auto& tx : txs) leaves.push_back(tx_leaf(tx));
  TxInclusion t;
  t.index = index;
  t.count = static_cast<uint32_t>(txs.size());
  t.path = crypto::merkle_path(tags::kTxNode, std::move(leaves), index);
  return t;
}

Status check_tx_inclusion(const Transaction& tx, const TxInclusion& at, const BlockHeader& header) {
  if (at.count > kMaxBlockTxs)
    return fail("inclusion proof claims " + std::to_string(at.count) + " transactions in a block; at most " +
                std::to_string(kMaxBlockTxs) + " fit");
  auto root = crypto::merkle_root_from_path(tags::kTxNode, tx_leaf(tx), at.index, at.count, at.path);
  if (!root) return fail("inclusion proof's path does not fit transaction " + std::to_string(at.index) + " of " +
                         std::to_string(at.count));
  if (*root != header.tx_root)
    return fail("transaction " + tx.id().hex().substr(0, 16) + "... is not in the block at height " +
                std::to_string(header.height) + " (its inclusion path leads elsewhere)");
  return {};
}

}  // namespace nl::ledger
