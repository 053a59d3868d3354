// The directory of a testnet made by `numledger testnet init`, and the
// numledgerd config each node reads (README "Testnet"):
//   DIR/genesis.json
//   DIR/holders/root.key                 the root holder, no passphrase
//   DIR/holders/keystore/                with --genesis --keystore: its holders' keys
//   DIR/<name>/numledgerd.toml           --config of that node
//   DIR/<name>/validator.key | node.key  its key
//   DIR/<name>/data/                     its --home
//   DIR/<name>/numledgerd.log, numledgerd.pid
// Names are validator0..N-1, then observer0..M-1; node i listens on
// 127.0.0.1:(base port + i) in that order, or, with --netns, on its own
// address at the base port (DIR/netns, cli/testnet_netns.h).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "crypto/basics/result.h"

namespace nl::cli::testnet {

inline constexpr const char* kDefaultChainId = "numledger-testnet";
inline constexpr const char* kConfigFile = "numledgerd.toml";

// What `init` writes into a node's numledgerd.toml; the keys are
// numledgerd's long option names.
struct NodeConfig {
  std::string home, genesis, listen;
  std::string validator_key;  // empty for an observer
  std::string node_key;       // an observer's identity; empty for a validator
  std::vector<std::string> peers;
  std::optional<double> block_interval;
  std::optional<unsigned> timeout_propose, timeout_prevote, timeout_precommit;  // ms
  std::string fault_plan;  // empty: none
};

// The TOML text of `c`. Paths must pass check_config_path first.
std::string render_config(const NodeConfig& c);

// A path numledgerd's config reader (CLI11) reads back unchanged: no
// quotes, backslash, '#' or control characters.
Status check_config_path(const std::string& path);

// One node of a testnet directory.
struct NodeSpec {
  std::string name;  // validator0, observer1, ...
  bool validator = false;
  unsigned index = 0;   // the number in the name
  std::string dir;      // DIR/<name>
  std::string listen;   // 127.0.0.1:PORT, from its config
  std::string url() const { return "http://" + listen; }
  std::string config_path() const { return dir + "/" + kConfigFile; }
  std::string log_path() const { return dir + "/numledgerd.log"; }
  std::string pid_path() const { return dir + "/numledgerd.pid"; }
  std::string home() const { return dir + "/data"; }
};

struct Testnet {
  std::string dir;  // absolute
  std::string chain_id;
  std::vector<NodeSpec> nodes;  // validators by index, then observers by index
  std::string genesis_path() const { return dir + "/genesis.json"; }
  std::string root_key_path() const { return dir + "/holders/root.key"; }
  const NodeSpec* find(const std::string& name) const;
};

// The nodes named in `names`, in the testnet's order (every node when
// `names` is empty); an unknown name is an error listing the known ones.
Result<std::vector<const NodeSpec*>> select_nodes(const Testnet& t, const std::vector<std::string>& names);

// The name of node `index` of its kind.
std::string node_name(bool validator, unsigned index);

// Reads a testnet directory: its genesis and every node directory named
// validatorN or observerN that holds a numledgerd.toml with a listen
// address. Errors say what is missing and where.
Result<Testnet> load_testnet(const std::string& dir);

}  // namespace nl::cli::testnet
