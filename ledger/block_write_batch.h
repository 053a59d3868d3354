// What a block adds to the block store's RocksDB batch besides the block
// and its certificate: its transactions' index entries, its history postings
// and the state tree's records. Each column family's keys go in ascending
// order: RocksDB's memtable keeps where it last inserted, so a run of
// ascending keys is inserted each next to the last, while keys in the
// order they are made (tx ids are random, the tree's records come depth by
// depth along each path) are each searched for from the top of the skip
// list, most of a synced block's write.
#pragma once
#include <vector>

#include "ledger/block.h"
#include "ledger/state_tree_nodes.h"

namespace rocksdb {
class ColumnFamilyHandle;
class WriteBatch;
}  // namespace rocksdb

namespace nl::ledger {

// tx id -> height || index, and the block's history postings.
bool put_tx_indexes(rocksdb::WriteBatch& batch, rocksdb::ColumnFamilyHandle* txindex,
                    rocksdb::ColumnFamilyHandle* history, const Block& block);

// The block's history postings (history_index.h).
bool put_history(rocksdb::WriteBatch& batch, rocksdb::ColumnFamilyHandle* history, const Block& block);

// Each record put, or deleted when it has no value.
bool put_tree(rocksdb::WriteBatch& batch, rocksdb::ColumnFamilyHandle* tree,
              const std::vector<state_tree::NodeWrite>& writes);

}  // namespace nl::ledger
