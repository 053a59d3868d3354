// Signature checks of the transactions a proposal brings that this node has
// not verified yet, spread over a few threads. Checking a proposal is on
// every height's critical path, and under load a good share of its
// transactions arrive in it before their gossiped copies were verified;
// checked one by one on the consensus strand they held the height up while
// the other core idled (the tail of a load, light load).
#pragma once
#include <cstddef>
#include <vector>

#include "ledger/transaction.h"

namespace nl::node {

// ok[i] is whether txs[i]->check_signatures() passed. Runs on the caller's
// thread and up to `threads - 1` more; small batches stay on the caller.
std::vector<char> check_signatures_parallel(const std::vector<const ledger::Transaction*>& txs, size_t threads);

}  // namespace nl::node
