// numledgerd --state-sync: a node whose ledger holds no block yet joins at
// a snapshot instead of replaying every block. Before the node proper
// starts, a peer network of its own (an observer, at height 0) dials the
// configured peers, and a StateSyncClient fetches and verifies the latest
// snapshot; the chain then starts at that height (Chain::open_from_snapshot)
// and block sync follows from the next one as usual.
#pragma once
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "crypto/basics/result.h"
#include "crypto/ed25519.h"
#include "ledger/chain.h"
#include "ledger/genesis.h"

namespace nl::node {

struct StateSyncJoin {
  std::string ledger_dir;
  const ledger::Genesis* genesis = nullptr;
  crypto::SecretKey node_key;
  std::vector<std::string> peers;  // HOST:PORT
  std::chrono::seconds timeout{600};  // the whole fetch
  ledger::ChainOptions chain_options;  // the chain is opened with these
};

// The chain opened at the fetched snapshot; null when the ledger already
// holds blocks (a restart: open it as usual). Fails when no snapshot is
// complete by the timeout.
Result<std::unique_ptr<ledger::Chain>> join_by_state_sync(const StateSyncJoin& join);

}  // namespace nl::node
