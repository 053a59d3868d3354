// What each node of a testnet says about itself (GET /api/v1/status), and
// the table and JSON that `testnet status` and `testnet start` print.
#pragma once
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/testnet_layout.h"

namespace nl::cli::testnet {

struct NodeStatus {
  const NodeSpec* node = nullptr;
  std::optional<pid_t> pid;  // from its pid file, when that process runs this node
  bool up = false;           // answered /api/v1/status for the testnet's chain
  std::string problem;       // why it is not up, when it is not
  uint64_t height = 0;
  uint64_t peers = 0;
  std::string tip_hash, state_root, node_key;
};

// Asks every node at once; one answer per node, in the testnet's order.
std::vector<NodeStatus> probe_all(const Testnet& t, std::chrono::seconds timeout);
NodeStatus probe(const Testnet& t, const NodeSpec& n, std::chrono::seconds timeout);

// One line per node: name, role, url, up/down, pid, height, peers, tip.
void print_table(const std::vector<NodeStatus>& all);
// [{"name", "url", "validator", "up", "pid", "height", "peers", "tip_hash",
//   "state_root", "node_key", "error"}...]; a down node has null numbers.
nlohmann::json to_json(const std::vector<NodeStatus>& all);

}  // namespace nl::cli::testnet
