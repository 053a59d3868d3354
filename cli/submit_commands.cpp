// numledger tx submit: hand a signed transaction to a node and wait until
// it is committed or refused (several: cli/submit_batch.cpp); numledger tx
// status: where one stands.
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/node_client.h"
#include "cli/submit_batch.h"
#include "cli/tx_file.h"

namespace nl::cli {

namespace {

using nlohmann::json;

struct SubmitOpts {
  std::vector<std::string> files;
  std::string node;
  bool no_wait = false, json = false;
  unsigned timeout = 60;
  size_t batch = 500;
};

int run_submit(const SubmitOpts& o) {
  if (o.node.empty()) return report(kExitUsage, "no node named: pass --node URL or set NUMLEDGER_NODE");
  if (o.files.size() > 1 || o.json) return run_submit_batch(o.files, o.node, o.batch, o.no_wait, o.timeout, o.json);
  const std::string& file = o.files.front();
  auto tx = read_tx_file(file);
  if (!tx) return report(kExitFailure, tx.error());
  // Catch a damaged file here rather than spend a round trip on it.
  if (auto s = tx->check_signatures(); !s) return report(kExitFailure, file + ": " + s.error());

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
  // A replay of a committed transaction: what the submitter wanted is done.
  if (r->status == 409 && r->body.is_object() && r->body.value("status", std::string()) == "committed") {
    std::printf("already committed %s at height %llu\n", id.c_str(),
                static_cast<unsigned long long>(r->body.value("height", uint64_t{0})));
    return kExitOk;
  }
  return report(kExitFailure, "node refused " + id + " (HTTP " + std::to_string(r->status) + "): " + r->reason());
}

struct StatusOpts {
  std::string id, node;
  bool json = false;
  unsigned timeout = 30;
};

// Exit 0 when committed or pending, 1 when dropped or unknown to the node.
int run_status(const StatusOpts& o) {
  if (o.node.empty()) return report(kExitUsage, "no node named: pass --node URL or set NUMLEDGER_NODE");
  if (!crypto::Hash32::from_hex(o.id)) return report(kExitUsage, "transaction id must be 64 hex digits: " + o.id);
  NodeClient node(o.node, std::chrono::seconds(o.timeout));
  auto r = node.request("GET", "/api/v1/tx/" + o.id, "");
  if (!r) return report(kExitFailure, r.error());
  const json& b = r->body;
  const std::string status = b.is_object() ? b.value("status", std::string()) : std::string();
  if (r->status != 200 && r->status != 404)
    return report(kExitFailure, "node answered HTTP " + std::to_string(r->status) + ": " + r->reason());
  if (o.json) {
    std::printf("%s\n", b.dump(2).c_str());
  } else if (status == "committed") {
    std::printf("committed %s at height %llu\n", o.id.c_str(),
                static_cast<unsigned long long>(b.value("height", uint64_t{0})));
  } else if (status == "pending") {
    std::printf("pending %s (waiting in the node's mempool)\n", o.id.c_str());
  } else if (status == "dropped") {
    std::printf("dropped %s: %s\n", o.id.c_str(), b.value("reason", std::string()).c_str());
  } else {
    std::printf("unknown %s: %s\n", o.id.c_str(), r->reason().c_str());
  }
  return status == "committed" || status == "pending" ? kExitOk : kExitFailure;
}

}  // namespace

void add_status_command(CLI::App& tx, Dispatch& d) {
  auto [cmd, o] = add_command<StatusOpts>(
      tx, "status",
      "where a transaction stands on a node: committed at a height, pending, or dropped with the reason (exit 1 when "
      "dropped or unknown)",
      d, run_status);
  cmd->add_option("ID", o->id, "transaction id (64 hex digits, as tx submit prints it)")->required();
  add_node_option(cmd, o->node);
  cmd->add_flag("--json", o->json, "print the node's answer as JSON");
  cmd->add_option("--timeout", o->timeout, "seconds to wait for the node")->capture_default_str()
      ->check(CLI::Range(1u, 3600u));
}

void add_submit_command(CLI::App& tx, Dispatch& d) {
  auto [cmd, o] = add_command<SubmitOpts>(
      tx, "submit",
      "send signed transactions to a node; waits for them to be committed. Several files go in batches "
      "(POST /api/v1/txs) with progress on stderr and a summary naming each refusal",
      d, run_submit);
  cmd->add_option("FILE", o->files, "transaction files")->required();
  add_node_option(cmd, o->node);
  cmd->add_flag("--no-wait", o->no_wait, "return once the node has accepted them, before commit");
  cmd->add_flag("--json", o->json, "print the summary as JSON (the batch path, even for one file)");
  cmd->add_option("--batch", o->batch, "transactions per request at most (a node takes 1000)")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{1000}));
  cmd->add_option("--timeout", o->timeout,
                  "seconds to wait for the node; with several files, for commit progress")
      ->capture_default_str()
      ->check(CLI::Range(1u, 3600u));
}

}  // namespace nl::cli
