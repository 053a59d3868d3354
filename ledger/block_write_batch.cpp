#include "ledger/block_write_batch.h"

#include <rocksdb/write_batch.h>

#include <algorithm>
#include <utility>

#include "ledger/block_store_columns.h"
#include "ledger/history_index.h"

namespace nl::ledger {

using store_columns::slice;

bool put_tx_indexes(rocksdb::WriteBatch& batch, rocksdb::ColumnFamilyHandle* txindex,
                    rocksdb::ColumnFamilyHandle* history, const Block& block) {
  const uint64_t h = block.header.height;
  std::vector<std::pair<crypto::Hash32, uint32_t>> ids;  // (tx id, index)
  ids.reserve(block.txs.size());
  for (uint32_t i = 0; i < block.txs.size(); ++i) ids.emplace_back(block.txs[i].id(), i);
  // Stable: a block that named one id twice keeps its last index, as when
  // the entries went in in block order.
  std::stable_sort(ids.begin(), ids.end(), [](const auto& a, const auto& b) { return a.first.b < b.first.b; });
  for (const auto& [id, i] : ids) {
    Writer loc;
    loc.u64(h).u32(i);
    if (!batch.Put(txindex, slice(ByteView(id.b)), slice(loc.data())).ok()) return false;
  }
  return put_history(batch, history, block);
}

bool put_history(rocksdb::WriteBatch& batch, rocksdb::ColumnFamilyHandle* history, const Block& block) {
  for (const auto& p : history_index::postings_for_block(block.txs, block.header.height))
    if (!batch.Put(history, slice(p.key), slice(p.value)).ok()) return false;
  return true;
}

bool put_tree(rocksdb::WriteBatch& batch, rocksdb::ColumnFamilyHandle* tree,
              const std::vector<state_tree::NodeWrite>& writes) {
  std::vector<const state_tree::NodeWrite*> sorted;
  sorted.reserve(writes.size());
  for (const auto& w : writes) sorted.push_back(&w);
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) { return a->key < b->key; });
  for (const auto* w : sorted)
    if (!(w->value ? batch.Put(tree, slice(w->key), slice(*w->value)) : batch.Delete(tree, slice(w->key))).ok())
      return false;
  return true;
}

}  // namespace nl::ledger
