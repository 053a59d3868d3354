// numledger tx submit: hand a signed transaction to a node and wait until
// it is committed or refused.
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/node_client.h"
#include "cli/tx_file.h"

namespace nl::cli {

namespace {

using nlohmann::json;

struct SubmitOpts {
  std::string file, node;
  bool no_wait = false;
  unsigned timeout = 60;
};

int run_submit(const SubmitOpts& o) {
  if (o.node.empty()) return report(kExitUsage, "no node named: pass --node URL or set NUMLEDGER_NODE");
  auto tx = read_tx_file(o.file);
  if (!tx) return report(kExitFailure, tx.error());
  // Catch a damaged file here rather than spend a round trip on it.
  if (auto s = tx->check_signatures(); !s) return report(kExitFailure, o.file + ": " + s.error());

  NodeClient node(o.node, std::chrono::seconds(o.timeout));
  // A node that cannot answer early treats "wait": false as a no-op and
  // answers at commit; either way 200 and 202 are success.
  json req = {{"tx", to_hex(tx->encode())}};
  if (o.no_wait) req["wait"] = false;
  auto r = node.request("POST", "/api/v1/tx", req.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  if (!r) return report(kExitFailure, r.error());
  const std::string id = tx->id().hex();
  if (r->status == 200 || r->status == 202) {
    const json& b = r->body;
    std::string status = b.is_object() ? b.value("status", std::string()) : std::string();
    if (b.is_object() && b.contains("height") && b["height"].is_number_unsigned()) {
      std::printf("committed %s at height %llu\n", id.c_str(),
                  static_cast<unsigned long long>(b["height"].get<uint64_t>()));
    } else {
      std::printf("%s %s\n", status.empty() ? "accepted" : status.c_str(), id.c_str());
    }
    return kExitOk;
  }
  return report(kExitFailure, "node refused " + id + " (HTTP " + std::to_string(r->status) + "): " + r->reason());
}

}  // namespace

void add_submit_command(CLI::App& tx, Dispatch& d) {
  auto o = std::make_shared<SubmitOpts>();
  auto* cmd = tx.add_subcommand("submit", "send a signed transaction to a node; waits for it to be committed");
  cmd->add_option("FILE", o->file, "transaction file")->required();
  add_node_option(cmd, o->node);
  cmd->add_flag("--no-wait", o->no_wait, "return once the node has accepted it, before commit");
  cmd->add_option("--timeout", o->timeout, "seconds to wait for the node")->capture_default_str()
      ->check(CLI::Range(1u, 3600u));
  cmd->callback([o, &d] { d.action = [o] { return run_submit(*o); }; });
}

}  // namespace nl::cli
