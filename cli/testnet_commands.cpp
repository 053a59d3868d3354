// numledger testnet init|start|status|stop on the command line.
#include "cli/testnet_commands.h"

#include <memory>

#include "cli/commands.h"
#include "cli/testnet_layout.h"

namespace nl::cli {

namespace {
// --node is a node's URL everywhere else; here it once named a testnet
// node. Said plainly rather than as an unknown flag.
void refuse_node_selector(CLI::App* cmd) {
  auto node = std::make_shared<std::vector<std::string>>();
  cmd->add_option("--node", *node)->group("");
  cmd->parse_complete_callback([node] {
    if (!node->empty())
      throw CLI::ValidationError("--node", "names a node's URL elsewhere; name a node of the testnet with --only " +
                                               node->front());
  });
}
}  // namespace

void add_testnet_commands(CLI::App& app, Dispatch& d) {
  using namespace testnet;
  CLI::App& group = add_group(app, "testnet", "make, start, watch and stop a local testnet of numledgerd nodes");

  auto [init, i] = add_command<InitOptions>(
      group, "init",
      "write a testnet directory: genesis, validator keys, one numledgerd config per node, and the root holder's key "
      "DIR/holders/root.key (no passphrase); or, with --genesis, an imported registry and its holders' keystore",
      d, run_init);
  init->add_option("--validators", i->validators, "number of validators")
      ->required()
      ->check(CLI::Range(1u, kMaxValidators));
  init->add_option("--observers", i->observers, "number of observer nodes (follow and serve the API, do not vote)")
      ->capture_default_str()
      ->check(CLI::Range(0u, kMaxObservers));
  init->add_option("--dir", i->dir, "directory to create (must not exist or be empty)")->required();
  init->add_option("--base-port", i->base_port,
                   "node i listens on 127.0.0.1:(base port + i), validators first, then observers")
      ->capture_default_str()
      ->check(CLI::Range(1u, 65535u));
  auto* chain_opt = init->add_option("--chain-id", i->chain_id, "chain id (with --genesis: the file's)")
                        ->capture_default_str();
  auto* root_opt = init->add_option("--root", i->roots,
                                    "a root holding for DIR/holders/root.key; repeat for more (default: 10.0.0.0/8, "
                                    "2001:db8::/32 and AS64496-AS64511)")
                       ->check(resource_value());
  auto* genesis_opt =
      init->add_option("--genesis", i->genesis,
                       "start from this genesis (JSON or compact, e.g. from `numledger import rir`): its chain id, "
                       "time, roots, holdings and authorizations, with this testnet's validators in place of its "
                       "validator set, so DIR/genesis.json has another hash; transactions sign for DIR/genesis.json "
                       "(`import diff --genesis DIR/genesis.json`). No root key is made")
          ->check(CLI::ExistingFile)
          ->excludes(root_opt);
  init->add_option("--keystore", i->keystore,
                   "with --genesis: the keystore directory of its holders (`import rir --keystore`), copied to "
                   "DIR/holders/keystore so that their keys sign for this testnet")
      ->needs(genesis_opt);
  i->chain_id_opt = chain_opt;
  init->add_option("--block-interval", i->block_interval,
                   "numledgerd --block-interval of every node, seconds (default: numledgerd's)")
      ->check(CLI::Range(0.0, 3600.0));
  init->add_option("--timeout-propose", i->timeout_propose, "numledgerd --timeout-propose of every node, ms")
      ->check(CLI::Range(1u, 600000u));
  init->add_option("--timeout-prevote", i->timeout_prevote, "numledgerd --timeout-prevote of every node, ms")
      ->check(CLI::Range(1u, 600000u));
  init->add_option("--timeout-precommit", i->timeout_precommit, "numledgerd --timeout-precommit of every node, ms")
      ->check(CLI::Range(1u, 600000u));
  init->add_flag("--netns", i->netns,
                 "each node in a network namespace of its own, at 10.77.K.(i+2) on a private bridge (start and "
                 "stop need root; cli/testnet_netns.h); every node then listens on the base port");
  init->add_option("--host", i->hosts,
                   "ADDR of each node's own machine, one per node, validators first: node i listens on ADDR_i at the "
                   "base port and dials the others there; each DIR/<node> is self-contained, to copy to its machine")
      ->excludes("--netns");
  init->add_option("--latency", i->latency,
                   "MS[:JITTER_MS]: every peer link delays each frame MS ms one way, plus or minus JITTER_MS, "
                   "through numledgerd's fault plan (DIR/<node>/latency.plan)")
      ->check([](const std::string& v) { return parse_latency(v) ? std::string() : parse_latency(v).error(); });

  auto [start, s] = add_command<StartOptions>(
      group, "start",
      "start every node of DIR that is not running, in the background (log: DIR/<node>/numledgerd.log), and wait "
      "until each answers",
      d, run_start);
  start->add_option("--dir", s->dir, "testnet directory")->required();
  start->add_option("--only", s->only, "start only this node (e.g. validator2); repeatable");
  refuse_node_selector(start);
  start->add_option("--numledgerd", s->numledgerd,
                    "numledgerd executable (default: $NUMLEDGERD, else the one next to numledger)");
  start->add_option("--timeout", s->timeout_s, "seconds to wait for every node to answer")
      ->capture_default_str()
      ->check(CLI::Range(1u, 3600u));
  start->add_flag("--json", s->json,
                  "print the nodes' status as testnet status --json does, each with \"started\" (true when "
                  "started by this command); the per-node lines go to stderr");

  auto [status, st] = add_command<StatusOptions>(
      group, "status", "per node: name, API url, up/down, pid, height, peers, last block hash", d, run_status);
  status->add_option("--dir", st->dir, "testnet directory")->required();
  status->add_flag("--json", st->json,
                   "print a JSON array of {name, url, validator, up, pid, height, peers, tip_hash, state_root, "
                   "node_key} (null numbers and an \"error\" for a node that is down)");

  auto [logs, l] = add_command<LogsOptions>(
      group, "logs", "print the nodes' logs, each line prefixed with its node's name; --follow keeps printing", d,
      run_logs);
  logs->add_option("--dir", l->dir, "testnet directory")->required();
  logs->add_option("--only", l->only, "only this node's log (e.g. validator2); repeatable");
  refuse_node_selector(logs);
  logs->add_flag("--follow,-f", l->follow, "print what the logs gain until interrupted (as tail -f)");

  auto [stop, p] = add_command<StopOptions>(
      group, "stop",
      "stop every node of DIR: SIGTERM, then SIGKILL for a node still running after --timeout; removes the pid files",
      d, run_stop);
  stop->add_option("--dir", p->dir, "testnet directory")->required();
  stop->add_option("--only", p->only, "stop only this node (e.g. validator2); repeatable");
  refuse_node_selector(stop);
  stop->add_option("--timeout", p->timeout_s, "seconds to wait after SIGTERM before SIGKILL")
      ->capture_default_str()
      ->check(CLI::Range(1u, 3600u));
}

}  // namespace nl::cli
