#include "cli/testnet_status.h"

#include <cstdio>
#include <thread>

#include "cli/cli_common.h"
#include "cli/exit_codes.h"
#include "cli/node_client.h"
#include "cli/testnet_commands.h"
#include "cli/testnet_process.h"

namespace nl::cli::testnet {

using nlohmann::json;

namespace {

std::string string_field(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

uint64_t number_field(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_unsigned() ? it->get<uint64_t>() : 0;
}

}  // namespace

NodeStatus probe(const Testnet& t, const NodeSpec& n, std::chrono::seconds timeout) {
  NodeStatus s;
  s.node = &n;
  if (auto pid = read_pid_file(n.pid_path()); pid && node_process_alive(*pid, n.config_path())) s.pid = pid;
  auto reply = NodeClient(n.url(), timeout).get("/api/v1/status");
  if (!reply) {
    s.problem = reply.error();
    return s;
  }
  // Another program on the port is not this node.
  if (string_field(*reply, "chain_id") != t.chain_id) {
    s.problem = n.url() + " answers for chain '" + string_field(*reply, "chain_id") + "', not '" + t.chain_id + "'";
    return s;
  }
  s.up = true;
  s.height = number_field(*reply, "height");
  s.peers = number_field(*reply, "peers");
  s.tip_hash = string_field(*reply, "tip_hash");
  s.state_root = string_field(*reply, "state_root");
  s.node_key = string_field(*reply, "node_key");
  return s;
}

std::vector<NodeStatus> probe_all(const Testnet& t, std::chrono::seconds timeout) {
  std::vector<NodeStatus> all(t.nodes.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < t.nodes.size(); ++i)
    threads.emplace_back([&, i] { all[i] = probe(t, t.nodes[i], timeout); });
  for (auto& th : threads) th.join();
  return all;
}

void print_table(const std::vector<NodeStatus>& all) {
  std::printf("%-12s %-9s %-24s %-5s %-8s %8s %5s  %s\n", "NAME", "ROLE", "URL", "STATE", "PID", "HEIGHT", "PEERS",
              "TIP");
  for (const auto& s : all) {
    const std::string pid = s.pid ? std::to_string(*s.pid) : "-";
    if (s.up)
      std::printf("%-12s %-9s %-24s %-5s %-8s %8llu %5llu  %s\n", s.node->name.c_str(),
                  s.node->validator ? "validator" : "observer", s.node->url().c_str(), "up", pid.c_str(),
                  static_cast<unsigned long long>(s.height), static_cast<unsigned long long>(s.peers),
                  s.tip_hash.substr(0, 16).c_str());
    else
      std::printf("%-12s %-9s %-24s %-5s %-8s %8s %5s  %s\n", s.node->name.c_str(),
                  s.node->validator ? "validator" : "observer", s.node->url().c_str(), "down", pid.c_str(), "-", "-",
                  "-");
  }
}

json to_json(const std::vector<NodeStatus>& all) {
  json out = json::array();
  for (const auto& s : all) {
    json j = {{"name", s.node->name},
              {"url", s.node->url()},
              {"validator", s.node->validator},
              {"up", s.up},
              {"pid", s.pid ? json(*s.pid) : json(nullptr)}};
    if (s.up) {
      j["height"] = s.height;
      j["peers"] = s.peers;
      j["tip_hash"] = s.tip_hash;
      j["state_root"] = s.state_root;
      j["node_key"] = s.node_key;
    } else {
      for (const char* k : {"height", "peers", "tip_hash", "state_root", "node_key"}) j[k] = nullptr;
      j["error"] = s.problem;
    }
    out.push_back(std::move(j));
  }
  return out;
}

int run_status(const StatusOptions& o) {
  auto t = load_testnet(o.dir);
  if (!t) return report(kExitFailure, t.error());
  auto all = probe_all(*t, std::chrono::seconds(2));
  if (o.json)
    std::printf("%s\n", to_json(all).dump(2).c_str());
  else
    print_table(all);
  // Scripts check the exit code: every node must answer.
  size_t down = 0;
  for (const auto& s : all) down += !s.up;
  if (down > 0)
    return report(kExitFailure, std::to_string(down) + " of " + std::to_string(all.size()) + " nodes are down");
  return kExitOk;
}

}  // namespace nl::cli::testnet
