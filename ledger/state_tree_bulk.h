// A whole state tree's records made straight from its leaves, never built
// in memory: what a store that holds entries but no tree writes once (a
// ledger from before the tree, or one state sync has just filled). Memory
// is the leaves (64 bytes each) and one batch of records; building the
// tree of 2.2 million entries in memory first took about 1.5 GB.
#pragma once
#include <cstddef>
#include <functional>
#include <vector>

#include "crypto/basics/result.h"
#include "ledger/state_commitment.h"
#include "ledger/state_tree_nodes.h"

namespace nl::ledger {

// Sorts by key hash; of equal key hashes keeps the last given, as put()
// would.
void sort_leaves(std::vector<StateCommitment::LeafHashes>& leaves);

// Records in batches; a sink may be called from two threads, one at a time.
using TreeRecordSink = std::function<Status(std::vector<state_tree::NodeWrite>&&)>;

// Hands the record of every inner node of the tree over `sorted` (as
// sort_leaves() leaves them) to `sink`, in batches of at most `batch`
// records, and returns the root record without handing it over: written
// last, it marks the tree whole. With no sink only the root is computed.
// The first error a sink returns stops the walk and is returned.
Result<state_tree::RootRecord> write_whole_tree(const std::vector<StateCommitment::LeafHashes>& sorted,
                                                const TreeRecordSink& sink, size_t batch = 65536);

}  // namespace nl::ledger
