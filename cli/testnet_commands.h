// numledger testnet init|start|status|stop: the options each takes and the
// function that runs it (cli/testnet_init.cpp, testnet_control.cpp,
// testnet_status.cpp); cli/testnet_commands.cpp puts them on the command line.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "cli/testnet_layout.h"
#include "crypto/basics/result.h"

namespace CLI {
class Option;
}

namespace nl::cli::testnet {

inline constexpr unsigned kDefaultBasePort = 26600;
inline constexpr unsigned kMaxValidators = 64;
inline constexpr unsigned kMaxObservers = 64;

struct InitOptions {
  unsigned validators = 0;
  unsigned observers = 0;
  std::string dir;
  unsigned base_port = kDefaultBasePort;
  std::string chain_id = kDefaultChainId;
  std::vector<std::string> roots;  // empty: the default roots
  std::optional<double> block_interval;
  std::optional<unsigned> timeout_propose, timeout_prevote, timeout_precommit;
  bool netns = false;   // cli/testnet_netns.h
  // One address per node, validators first: configs for separate machines
  // (paths relative to each node's directory, which holds its own genesis).
  std::vector<std::string> hosts;
  std::string latency;  // "MS[:JITTER_MS]", empty: none
  // An existing genesis (e.g. from `import rir`) instead of a new one: its
  // roots and holdings, run by this testnet's validators; and the keystore
  // of its holders, copied to DIR/holders/keystore. Empty: none.
  std::string genesis, keystore;
  const CLI::Option* chain_id_opt = nullptr;  // given on the command line when count() > 0
};

struct Latency {
  unsigned delay_ms = 0, jitter_ms = 0;
};
// "50" or "50:10"; each at most 60000 (the fault plan's limit).
Result<Latency> parse_latency(const std::string& text);

struct StartOptions {
  std::string dir;
  std::vector<std::string> only;  // --only: just these nodes; empty: every node
  std::string numledgerd;  // empty: $NUMLEDGERD or next to numledger
  unsigned timeout_s = 30;  // for every node to answer
  bool json = false;        // the status as `testnet status --json`, with "started"
};

struct StatusOptions {
  std::string dir;
  bool json = false;
};

struct StopOptions {
  std::string dir;
  std::vector<std::string> only;  // --only: just these nodes; empty: every node
  unsigned timeout_s = 10;  // after SIGTERM, before SIGKILL
};

int run_init(const InitOptions& o);
int run_start(const StartOptions& o);
int run_status(const StatusOptions& o);
int run_stop(const StopOptions& o);

struct LogsOptions {
  std::string dir;
  std::vector<std::string> only;  // --only: just these nodes; empty: every node
  bool follow = false;            // keep printing what the logs gain
};
// cli/testnet_logs.cpp
int run_logs(const LogsOptions& o);

}  // namespace nl::cli::testnet
