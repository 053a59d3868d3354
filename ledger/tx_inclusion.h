// That a transaction is in a block: its place among the block's
// transactions and the Merkle path from its leaf to the header's tx root
// (leaf = tagged_hash(kTxLeaf, encoded transaction), crypto/merkle.h).
#pragma once
#include <cstdint>
#include <vector>

#include "crypto/basics/result.h"
#include "crypto/hash.h"
#include "ledger/block.h"
#include "ledger/fields.h"

namespace nl::ledger {

struct TxInclusion {
  uint32_t index = 0;  // the transaction's position in its block
  uint32_t count = 0;  // the block's transactions
  std::vector<crypto::Hash32> path;  // siblings, leaf level first

  auto operator<=>(const TxInclusion&) const = default;
  template <class V, class Self>
  static void fields(V& v, Self& x) {
    v(field("index", x.index));
    v(field("count", x.count));
    // A block holds at most kMaxBlockTxs transactions: 14 levels.
    v(field("path", x.path).max(32));
  }
};

TxInclusion prove_tx_inclusion(const std::vector<Transaction>& txs, uint32_t index);

// `tx` is at `at` among the transactions `header` commits to.
Status check_tx_inclusion(const Transaction& tx, const TxInclusion& at, const BlockHeader& header);

}  // namespace nl::ledger
