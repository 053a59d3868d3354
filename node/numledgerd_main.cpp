// numledgerd: the registry node. It runs the consensus engine (a validator
// with --validator-key, an observer without), talks to its peers over
// WebSockets at /p2p on the HTTP port, and serves the HTTP JSON API (and,
// when asked, whois and RTR).
#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <shared_mutex>
#include <thread>

#include "crypto/key_file.h"
#include "ledger/chain.h"
#include "ledger/genesis.h"
#include "ledger/transaction.h"
#include "node/api.h"
#include "node/consensus_driver.h"
#include "node/descriptor_budget.h"
#include "node/fault_transport.h"
#include "node/http_server.h"
#include "node/p2p_network.h"
#include "node/rtr_server.h"
#include "node/whois_answer.h"
#include "node/whois_server.h"

using namespace nl;

namespace {

struct Flags {
  std::string home, genesis, validator_key, node_key, listen = "127.0.0.1:8640";
  std::vector<std::string> peers;
  double block_interval = 2.0;
  uint64_t timeout_propose = 1000, timeout_prevote = 1000, timeout_precommit = 1000;
  size_t max_peers = 64;
  size_t max_block_txs = node::DriverOptions{}.max_block_txs;
  std::string whois_listen, rtr_listen;
  node::HttpLimits http;
  node::WhoisLimits whois;
  node::RtrOptions rtr;
  std::string fault_plan;
};

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
  app.add_option("--rtr-refresh", f.rtr.intervals.refresh, "RTR refresh interval, seconds")->capture_default_str();
  app.add_option("--rtr-retry", f.rtr.intervals.retry, "RTR retry interval, seconds")->capture_default_str();
  app.add_option("--rtr-expire", f.rtr.intervals.expire, "RTR expire interval, seconds")->capture_default_str();
  add_connection_flags(app, f);
  app.add_option("--fault-plan", f.fault_plan,
                 "tests only: a fault plan file (node/fault_plan.h), re-read when it changes: per peer, drop, "
                 "partition, delay and jitter, duplicate, and equivocate (double-sign this validator's votes)");
}

// The handshake identity: a validator's is its validator key; an
// observer's is --node-key, or HOME/node.key made on first start.
Result<crypto::SecretKey> node_identity(const Flags& f, const std::optional<crypto::SecretKey>& validator) {
  if (validator) return *validator;
  const std::string path = f.node_key.empty() ? f.home + "/node.key" : f.node_key;
  if (!std::filesystem::exists(path)) {
    if (!f.node_key.empty()) return fail("--node-key " + path + ": no such file");
    auto key = crypto::SecretKey::generate();
    if (auto s = crypto::save_key_file(path, key, std::nullopt); !s) return fail("cannot write " + path + ": " + s.error());
    std::fprintf(stderr, "numledgerd: created node key %s\n", path.c_str());
    return key;
  }
  return crypto::load_key_file(path);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"numledgerd: a numledger registry node (validator or observer)"};
  Flags f;
  add_flags(app, f);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help is success; anything else is a usage error
  }

  if (auto s = node::rtr::check_intervals(f.rtr.intervals); !s)
    return std::fprintf(stderr, "numledgerd: --rtr-*: %s\n", s.error().c_str()), 2;
  if (auto hp = node::parse_host_port(f.rtr_listen); !f.rtr_listen.empty() && !hp)
    return std::fprintf(stderr, "numledgerd: --rtr-listen: %s\n", hp.error().c_str()), 2;
  auto host_port = node::parse_host_port(f.listen);
  if (!host_port) return std::fprintf(stderr, "numledgerd: --listen: %s\n", host_port.error().c_str()), 2;
  if (auto hp = node::parse_host_port(f.whois_listen); !f.whois_listen.empty() && !hp)
    return std::fprintf(stderr, "numledgerd: --whois-listen: %s\n", hp.error().c_str()), 2;
  for (const auto& p : f.peers)
    if (auto hp = node::parse_host_port(p); !hp)
      return std::fprintf(stderr, "numledgerd: --peer %s: %s\n", p.c_str(), hp.error().c_str()), 2;

  // Before RocksDB opens its files; the caps are fitted to what it gives.
  const auto fds = node::raise_descriptor_limit();
  const auto plan = node::plan_descriptors(
      fds.soft, f.max_peers,
      {f.http.max_connections, f.whois_listen.empty() ? 0 : f.whois.max_connections,
       f.rtr_listen.empty() ? 0 : f.rtr.max_connections});
  f.http.max_connections = plan.caps.http;
  if (!f.whois_listen.empty()) f.whois.max_connections = plan.caps.whois;
  if (!f.rtr_listen.empty()) f.rtr.max_connections = plan.caps.rtr;
  std::fprintf(stderr, "numledgerd: %s\n", node::describe(fds, plan).c_str());

  crypto::init();
  auto genesis = ledger::Genesis::load(f.genesis);
  if (!genesis) return std::fprintf(stderr, "numledgerd: %s\n", genesis.error().c_str()), 1;
  std::optional<crypto::SecretKey> validator;
  if (!f.validator_key.empty()) {
    auto key = crypto::load_key_file(f.validator_key);
    if (!key) return std::fprintf(stderr, "numledgerd: %s\n", key.error().c_str()), 1;
    validator = *key;
  }
  std::error_code ec;
  std::filesystem::create_directories(f.home, ec);
  if (ec) return std::fprintf(stderr, "numledgerd: cannot create %s: %s\n", f.home.c_str(), ec.message().c_str()), 1;
  auto identity = node_identity(f, validator);
  if (!identity) return std::fprintf(stderr, "numledgerd: %s\n", identity.error().c_str()), 1;

  auto chain = ledger::Chain::open(f.home + "/ledger", *genesis);
  if (!chain) return std::fprintf(stderr, "numledgerd: %s\n", chain.error().c_str()), 1;
  std::fprintf(stderr, "numledgerd: chain '%s' at height %llu, state root %s\n", genesis->chain_id.c_str(),
               static_cast<unsigned long long>((*chain)->height()), (*chain)->state_root().hex().c_str());
  if (validator) {
    const uint64_t next = (*chain)->height() + 1;
    if (!(*chain)->validators_at(next).find(validator->public_key()))
      std::fprintf(stderr, "numledgerd: warning: %s is not a validator at height %llu; it signs nothing while it is not\n",
                   ledger::AccountId{validator->public_key()}.to_string().c_str(), static_cast<unsigned long long>(next));
  }

  boost::asio::io_context ioc;
  node::DriverOptions dopts;
  dopts.wal_path = f.home + "/consensus.wal";
  dopts.validator_key = validator;
  dopts.node_key = identity->public_key();
  dopts.timeouts = {f.timeout_propose, f.timeout_propose / 2, f.timeout_prevote, f.timeout_prevote / 2,
                    f.timeout_precommit, f.timeout_precommit / 2};
  dopts.block_interval = std::chrono::milliseconds(static_cast<long>(f.block_interval * 1000));
  dopts.max_block_txs = f.max_block_txs;
  node::SharedChain shared(**chain);
  auto driver = node::ConsensusDriver::open(ioc, shared, dopts);
  if (!driver) return std::fprintf(stderr, "numledgerd: %s\n", driver.error().c_str()), 1;
  node::ConsensusDriver& d = **driver;
  node::Api api(shared, d);

  node::P2pOptions popts{.chain_id = genesis->chain_id,
                         .genesis_hash = (*chain)->genesis_hash(),
                         .node_key = *identity,
                         .validator = validator.has_value(),
                         .peers = f.peers,
                         .best_height = [&d] { return d.committed_height(); },
                         // Current validators get reserved peer slots.
                         .is_validator =
                             [&shared, &c = **chain](const crypto::PublicKey& k) {
                               auto lock = shared.read_lock();
                               return c.validators_at(c.height() + 1).find(k) != nullptr;
                             },
                         .max_peers = f.max_peers,
                         .log = {}};
  node::P2pNetwork network(ioc, popts);
  // Tests only: the fault plan sits between the driver and the network.
  std::unique_ptr<node::FaultTransport> faults;
  if (!f.fault_plan.empty()) {
    faults = std::make_unique<node::FaultTransport>(
        ioc, network,
        node::FaultTransportOptions{.plan_path = f.fault_plan,
                                    .genesis_hash = (*chain)->genesis_hash(),
                                    .validator_key = validator});
    std::fprintf(stderr, "numledgerd: TEST ONLY: faults injected from %s\n", f.fault_plan.c_str());
  }
  d.attach(faults ? static_cast<node::Transport*>(faults.get()) : &network);

  node::HttpLimits http_limits = f.http;
  // A transaction travels as hex inside JSON: twice its bytes plus framing.
  http_limits.max_body = 2 * ledger::kMaxTxBytes + 4096;
  node::HttpServer server(
      ioc, [&api](node::HttpRequest req, node::Responder r) { api.handle(std::move(req), std::move(r)); }, http_limits,
      node::HttpUpgrade{"/p2p", [&network](boost::beast::tcp_stream&& s,
                                           boost::beast::http::request<boost::beast::http::string_body>&& req) {
                          network.accept(std::move(s), std::move(req));
                        }});
  auto port = server.listen(f.listen);
  if (!port) return std::fprintf(stderr, "numledgerd: %s\n", port.error().c_str()), 1;
  node::WhoisServer whois(
      ioc, [&](const std::string& q) { return node::whois_answer(shared, q); }, f.whois);
  if (!f.whois_listen.empty()) {
    auto wport = whois.listen(f.whois_listen);
    if (!wport) return std::fprintf(stderr, "numledgerd: --whois-listen: %s\n", wport.error().c_str()), 1;
    std::fprintf(stderr, "numledgerd: whois on %s (port %u)\n", f.whois_listen.c_str(), *wport);
  }
  std::unique_ptr<node::RtrServer> rtr;
  if (!f.rtr_listen.empty()) {
    rtr = std::make_unique<node::RtrServer>(ioc, node::chain_origin_source(shared), f.rtr);
    auto rport = rtr->listen(f.rtr_listen);
    if (!rport) return std::fprintf(stderr, "numledgerd: --rtr-listen: %s\n", rport.error().c_str()), 1;
    std::fprintf(stderr, "numledgerd: rtr on %s (port %u), session %u (version 0: %u), serial %u\n",
                 f.rtr_listen.c_str(), *rport, rtr->session_id(1), rtr->session_id(0), rtr->serial());
  }
  std::fprintf(stderr, "numledgerd: %s %s, node key %s\n", validator ? "validator" : "observer",
               ledger::AccountId{identity->public_key()}.to_string().c_str(), identity->public_key().hex().c_str());
  if (faults) faults->start();
  network.start();
  d.start();
  std::fprintf(stderr, "numledgerd: listening on http://%s:%u (peers at ws://%s:%u/p2p)\n", host_port->first.c_str(),
               *port, host_port->first.c_str(), *port);

  boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int sig) {
    std::fprintf(stderr, "numledgerd: signal %d, shutting down\n", sig);
    network.stop();
    d.stop();
    if (faults) faults->stop();
    server.stop();
    whois.stop();
    if (rtr) rtr->stop();
    ioc.stop();
  });
  std::thread second([&] { ioc.run(); });
  ioc.run();
  second.join();
  network.stop();
  d.stop();
  std::fprintf(stderr, "numledgerd: stopped cleanly at height %llu\n",
               static_cast<unsigned long long>((*chain)->height()));
  return 0;
}
