// A testnet on its own network (numledger testnet init --netns): every node
// in a network namespace of its own, with its own address on a private
// bridge, so peers meet at real addresses through real interfaces.
//   namespace  nl<K>-<name>       (e.g. nl17-validator3)
//   veth pair  nl<K>v<i> on the bridge  <->  nl<K>p<i> in the namespace
//   bridge     nlbr<K>, address 10.77.<K>.1/24: the root namespace reaches
//              every node, so NUMLEDGER_NODE works there
//   node i     10.77.<K>.<i + 2>   (i: validators first, then observers)
// K (1-250) is chosen at init from the directory and kept in DIR/netns;
// the bridge's alias names the directory, so two testnets never share one.
// Only these addresses and 127.0.0.1 are used. Creating and removing them
// needs root (CAP_NET_ADMIN); `start` says so when it lacks it.
#pragma once
#include <optional>
#include <string>

#include "cli/testnet_layout.h"
#include "crypto/basics/result.h"

namespace nl::cli::testnet {

inline constexpr const char* kNetnsFile = "netns";
// Marks a testnet made with init --host: its nodes run on other machines.
inline constexpr const char* kHostsFile = "hosts";

struct NetnsPlan {
  unsigned id = 0;  // K
  std::string bridge() const { return "nlbr" + std::to_string(id); }
  std::string address(size_t i) const { return "10.77." + std::to_string(id) + "." + std::to_string(i + 2); }
  std::string bridge_address() const { return "10.77." + std::to_string(id) + ".1"; }
  std::string ns(const NodeSpec& n) const { return "nl" + std::to_string(id) + "-" + n.name; }
  std::string host_veth(size_t i) const { return "nl" + std::to_string(id) + "v" + std::to_string(i); }
  std::string inner_veth(size_t i) const { return "nl" + std::to_string(id) + "p" + std::to_string(i); }
};

// K for a new testnet at `dir` (absolute): from the directory, moved on to
// the next K whose bridge does not exist on this machine.
NetnsPlan plan_for(const std::string& dir);
Status write_netns(const std::string& dir, const NetnsPlan& p);
// None when the testnet runs on 127.0.0.1.
Result<std::optional<NetnsPlan>> read_netns(const std::string& dir);

// Creates what is missing of the bridge, namespaces and veth pairs of `t`
// (all of them: a node started later needs its namespace too).
Status netns_up(const Testnet& t, const NetnsPlan& p);
// Removes all of it; what is already gone is skipped.
Status netns_down(const Testnet& t, const NetnsPlan& p);
// An open descriptor of node `n`'s namespace, for setns() in the child.
Result<int> open_netns(const NetnsPlan& p, const NodeSpec& n);

// Takes node i's link to the bridge down (a real partition) or up again.
Status set_link(const NetnsPlan& p, size_t i, bool up);

}  // namespace nl::cli::testnet
