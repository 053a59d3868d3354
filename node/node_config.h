// What one numledgerd process is told: its files, its addresses and its
// limits. numledgerd_main.cpp fills it from flags; tests may fill it
// directly. The defaults are the documented ones (README, security.md).
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "crypto/basics/result.h"
#include "node/driver/consensus_driver.h"
#include "node/net/http_server.h"
#include "node/rtr/rtr_server.h"
#include "node/whois/whois_server.h"

namespace nl::node {

struct NodeConfig {
  std::string home;           // data directory, created if missing
  std::string genesis;        // genesis file
  std::string validator_key;  // empty: an observer
  std::string node_key;       // an observer's handshake identity; empty: HOME/node.key
  std::string listen = "127.0.0.1:8640";  // HTTP API and /p2p
  std::vector<std::string> peers;         // HOST:PORT to dial and redial
  double block_interval = 2.0;            // seconds before an empty block
  uint64_t timeout_propose = 1000, timeout_prevote = 1000, timeout_precommit = 1000;  // ms
  size_t max_peers = 64;
  size_t max_block_txs = DriverOptions{}.max_block_txs;
  std::string whois_listen, rtr_listen;  // empty: off
  std::string slurm;                     // RFC 8416 local exceptions for RTR; empty: none
  HttpLimits http;
  WhoisLimits whois;
  RtrOptions rtr;
  bool state_sync = false;  // an empty ledger joins at a peer's snapshot (node/statesync/state_sync_join.h)
  std::chrono::seconds state_sync_timeout{600};
  bool verify_state = false;  // hash every state entry again at start (ledger/chain.h, StateCheck)
  std::string fault_plan;  // tests only (node/transport/fault_plan.h)
  std::string log_level = "info", log_format = "text";  // node/log/node_log.h
};

// The addresses and RTR intervals, checked before anything is opened; an
// error names the flag.
Status check_config(const NodeConfig& config);

}  // namespace nl::node
