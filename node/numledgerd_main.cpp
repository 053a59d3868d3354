// numledgerd: the registry node. It runs the consensus engine (a validator
// with --validator-key, an observer without), talks to its peers over
// WebSockets at /p2p on the HTTP port, and serves the HTTP JSON API (and,
// when asked, whois and RTR).
#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <functional>

#include "ledger/transaction.h"
#include "node/log/node_log.h"
#include "node/node.h"

using namespace nl;

namespace {

using Flags = node::NodeConfig;

// Connection caps and deadlines (whitepaper/security.md, "Connection limits").
void add_connection_flags(CLI::App& app, Flags& f) {
  const auto count = CLI::Range(size_t{1}, size_t{1000000});
  const auto per_address = CLI::Range(size_t{0}, size_t{1000000});
  const auto seconds = CLI::Range(int64_t{1}, int64_t{86400});
  auto secs = [&app](const std::string& name, std::chrono::seconds& value, const std::string& what) {
    return app.add_option_function<int64_t>(name, [&value](int64_t v) { value = std::chrono::seconds(v); }, what)
        ->default_str(std::to_string(value.count()));
  };
  app.add_option("--http-max-connections", f.http.max_connections,
                 "most HTTP connections (API, RDAP, /p2p before its handshake); lowered to fit the open-file limit")
      ->capture_default_str()->check(count);
  app.add_option("--http-max-per-address", f.http.max_per_address,
                 "most HTTP connections from one IPv4 address or IPv6 /64 (0: no limit)")
      ->capture_default_str()->check(per_address);
  secs("--http-header-timeout", f.http.header_timeout,
       "seconds from connecting, or from the previous answer, to a complete request header")->check(seconds);
  secs("--http-body-timeout", f.http.body_timeout, "seconds to receive a request body after its header")
      ->check(seconds);
  secs("--http-write-timeout", f.http.write_timeout, "seconds to send a whole answer; a client that does not "
       "read it is closed")->check(seconds);
  app.add_option("--whois-max-connections", f.whois.max_connections,
                 "most whois connections; lowered to fit the open-file limit")
      ->capture_default_str()->check(count);
  app.add_option("--whois-max-per-address", f.whois.max_per_address,
                 "most whois connections from one IPv4 address or IPv6 /64 (0: no limit)")
      ->capture_default_str()->check(per_address);
  secs("--whois-query-timeout", f.whois.query_timeout, "seconds from connecting to a complete whois query line")
      ->check(seconds);
  app.add_option("--rtr-max-connections", f.rtr.max_connections,
                 "most RTR router sessions; lowered to fit the open-file limit")
      ->capture_default_str()->check(count);
  app.add_option("--rtr-max-per-address", f.rtr.max_per_address,
                 "most RTR sessions from one IPv4 address or IPv6 /64 (0: no limit)")
      ->capture_default_str()->check(per_address);
  secs("--rtr-idle-timeout", f.rtr.idle_timeout,
       "seconds a router may go without a query before it is dropped (0: refresh + retry)")
      ->check(CLI::Range(int64_t{0}, int64_t{172800}));
  app.add_option_function<int64_t>(
         "--rtr-notify-interval",
         [&f](int64_t v) { f.rtr.notify_min_interval = std::chrono::milliseconds(v); },
         "least milliseconds between two Serial Notify PDUs to one router (RFC 8210 §8.2 asks for one a minute; "
         "0: every change at once)")
      ->default_str(std::to_string(f.rtr.notify_min_interval.count()))
      ->check(CLI::Range(int64_t{0}, int64_t{3600000}));
  app.add_flag_function(
      "--rtr-no-notify", [&f](int64_t) { f.rtr.notify = false; },
      "send no Serial Notify: routers see changes at their refresh polls only");
}

void add_flags(CLI::App& app, Flags& f) {
  app.set_config("--config", "", "TOML config file; keys are the long option names (e.g. home = \"/x\", "
                                 "peer = [\"127.0.0.1:26601\"]); command-line flags override it");
  app.add_option("--home", f.home, "data directory (created if missing)")->required();
  app.add_option("--genesis", f.genesis, "genesis file (JSON)")->required()->check(CLI::ExistingFile);
  app.add_option("--validator-key", f.validator_key,
                 "this node's validator key file; without it the node is an observer that follows, verifies and "
                 "serves the API")
      ->check(CLI::ExistingFile);
  app.add_option("--node-key", f.node_key,
                 "an observer's identity for the peer handshake (default HOME/node.key, created if missing)");
  app.add_option("--listen", f.listen, "HTTP API and WebSocket peers (/p2p) address HOST:PORT")->capture_default_str();
  app.add_option("--peer", f.peers, "a peer HOST:PORT to dial and keep redialling (repeatable)");
  app.add_option("--block-interval", f.block_interval,
                 "the longest wait, in seconds, before an empty block; a block with transactions starts as soon "
                 "as one is pending")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
  app.add_option("--timeout-propose", f.timeout_propose, "base propose timeout, ms (each round adds half)")
      ->capture_default_str()->check(CLI::Range(uint64_t{1}, uint64_t{600000}));
  app.add_option("--timeout-prevote", f.timeout_prevote, "base prevote timeout, ms (each round adds half)")
      ->capture_default_str()->check(CLI::Range(uint64_t{1}, uint64_t{600000}));
  app.add_option("--timeout-precommit", f.timeout_precommit, "base precommit timeout, ms (each round adds half)")
      ->capture_default_str()->check(CLI::Range(uint64_t{1}, uint64_t{600000}));
  app.add_option("--max-peers", f.max_peers,
                 "most peers without a reserved slot (current validators and --peer addresses always get one)")
      ->capture_default_str()->check(CLI::Range(size_t{1}, size_t{10000}));
  app.add_option("--max-block-txs", f.max_block_txs, "most transactions this validator puts in one block")
      ->capture_default_str()->check(CLI::Range(size_t{1}, size_t{ledger::kMaxBlockTxs}));
  app.add_option("--whois-listen", f.whois_listen, "whois (RFC 3912) address HOST:PORT (off unless given)");
  app.add_option("--rtr-listen", f.rtr_listen,
                 "RTR cache (RFC 8210; RFC 6810 for version 0) address HOST:PORT (off unless given)");
  app.add_option("--slurm", f.slurm,
                 "SLURM file (RFC 8416) of local exceptions to what RTR serves: prefix filters and assertions; "
                 "re-read on SIGHUP, a bad file keeps the last good one (needs --rtr-listen; limits: "
                 "whitepaper/operations.md)")
      ->check(CLI::ExistingFile);
  app.add_option("--rtr-refresh", f.rtr.intervals.refresh, "RTR refresh interval, seconds")->capture_default_str();
  app.add_option("--rtr-retry", f.rtr.intervals.retry, "RTR retry interval, seconds")->capture_default_str();
  app.add_option("--rtr-expire", f.rtr.intervals.expire, "RTR expire interval, seconds")->capture_default_str();
  add_connection_flags(app, f);
  app.add_option("--log-level", f.log_level, "least severe events logged: trace, debug (the consensus trace), info, "
                                             "warn, error or off")
      ->capture_default_str()
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  app.add_option("--log-format", f.log_format, "text (one readable line per event) or json (one object per line)")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));
  app.add_flag("--state-sync", f.state_sync,
               "with an empty ledger, join at the latest snapshot of the --peer nodes (verified from the genesis) "
               "instead of replaying every block; a ledger that holds blocks opens as usual");
  app.add_option_function<int64_t>(
         "--state-sync-timeout", [&f](int64_t v) { f.state_sync_timeout = std::chrono::seconds(v); },
         "seconds the snapshot fetch may take before the node gives up (default 600)")
      ->check(CLI::Range(int64_t{1}, int64_t{86400}));
  app.add_flag("--verify-state", f.verify_state,
               "at start, hash every state entry again, compare with the stored state tree and check the "
               "registry's invariants (seconds at a million entries); without it a start checks the tree's "
               "root against the last block");
  app.add_option("--fault-plan", f.fault_plan,
                 "tests only: a fault plan file (node/transport/fault_plan.h), re-read when it changes: per peer, drop, "
                 "partition, delay and jitter, duplicate, and equivocate (double-sign this validator's votes)");
}

}  // namespace

int main(int argc, char** argv) {
  // A reload (SIGHUP) while the node opens must not kill it: ignored until
  // the handler below is in place.
  std::signal(SIGHUP, SIG_IGN);
  CLI::App app{"numledgerd: a numledger registry node (validator or observer)"};
  Flags f;
  add_flags(app, f);
  app.set_version_flag("--version", std::string("numledgerd ") + NL_VERSION);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help is success; anything else is a usage error
  }
  if (auto s = node::check_config(f); !s) return std::fprintf(stderr, "numledgerd: %s\n", s.error().c_str()), 2;
  if (auto s = node::logging::configure(f.log_level, f.log_format); !s)
    return std::fprintf(stderr, "numledgerd: %s\n", s.error().c_str()), 2;

  auto n = node::Node::open(std::move(f));
  if (!n) return node::logging::error(n.error()), 1;
  node::Node& running = **n;
  boost::asio::signal_set signals(running.io_context(), SIGINT, SIGTERM);
  signals.async_wait([&running](const boost::system::error_code&, int sig) {
    node::logging::info("signal " + std::to_string(sig) + ", shutting down");
    running.stop();
  });
  // SIGHUP re-reads the --slurm file; without one it is logged and ignored.
  boost::asio::signal_set hangups(running.io_context(), SIGHUP);
  std::function<void(const boost::system::error_code&, int)> on_hangup = [&](const boost::system::error_code& ec, int) {
    if (ec) return;
    running.reload();
    hangups.async_wait(on_hangup);
  };
  hangups.async_wait(on_hangup);
  const uint64_t height = running.run();
  node::logging::info("stopped cleanly at height " + std::to_string(height), {height, "", ""});
  return 0;
}
