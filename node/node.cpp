#include "node/node.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "crypto/basics/heap_allocator.h"
#include "crypto/key_file.h"
#include "ledger/genesis.h"
#include "ledger/transaction.h"
#include "node/client/terminal_passphrase.h"
#include "node/driver/consensus_driver.h"
#include "node/driver/shared_chain.h"
#include "node/driver/state_release.h"
#include "node/http/api.h"
#include "node/net/descriptor_budget.h"
#include "node/net/host_port.h"
#include "node/explorer/explorer_assets.h"
#include "node/log/node_log.h"
#include "node/metrics/metrics_scrape.h"
#include "node/metrics/node_metrics.h"
#include "node/net/http_server.h"
#include "node/p2p/p2p_network.h"
#include "node/rtr/rtr_server.h"
#include "node/rtr/slurm_exceptions.h"
#include "node/statesync/snapshot_service.h"
#include "node/statesync/state_sync_join.h"
#include "node/transport/fault_transport.h"
#include "node/whois/whois_answer.h"
#include "node/whois/whois_server.h"

namespace nl::node {

namespace {

void log(const std::string& line) { logging::info(line); }

// The handshake identity: a validator's is its validator key; an
// observer's is --node-key, or HOME/node.key made on first start.
Result<crypto::SecretKey> node_identity(const NodeConfig& c, const std::optional<crypto::SecretKey>& validator) {
  if (validator) return *validator;
  const std::string path = c.node_key.empty() ? c.home + "/node.key" : c.node_key;
  if (!std::filesystem::exists(path)) {
    if (!c.node_key.empty()) return fail("--node-key " + path + ": no such file");
    auto key = crypto::SecretKey::generate();
    if (auto s = crypto::save_key_file(path, key, std::nullopt); !s) return fail("cannot write " + path + ": " + s.error());
    log("created node key " + path);
    return key;
  }
  return load_key_file_asking(path);
}

}  // namespace

Status check_config(const NodeConfig& c) {
  if (auto s = rtr::check_intervals(c.rtr.intervals); !s) return fail("--rtr-*: " + s.error());
  auto address = [](const std::string& flag, const std::string& value, bool optional) -> Status {
    if (optional && value.empty()) return {};
    if (auto hp = parse_host_port(value); !hp) return fail(flag + ": " + hp.error());
    return {};
  };
  if (auto s = address("--rtr-listen", c.rtr_listen, true); !s) return s;
  if (!c.slurm.empty() && c.rtr_listen.empty())
    return fail("--slurm changes only what the RTR cache serves: give --rtr-listen too");
  if (auto s = address("--listen", c.listen, false); !s) return s;
  if (auto s = address("--whois-listen", c.whois_listen, true); !s) return s;
  for (const auto& p : c.peers)
    if (auto s = address("--peer " + p, p, false); !s) return s;
  return {};
}

Node::Node(NodeConfig config) : config_(std::move(config)) {}

Node::~Node() = default;

Result<std::unique_ptr<Node>> Node::open(NodeConfig config) {
  // Before RocksDB opens its files; the caps are fitted to what it gives.
  const auto fds = raise_descriptor_limit();
  const bool whois = !config.whois_listen.empty(), rtr = !config.rtr_listen.empty();
  const auto plan = plan_descriptors(
      fds.soft, config.max_peers,
      {config.http.max_connections, whois ? config.whois.max_connections : 0, rtr ? config.rtr.max_connections : 0});
  config.http.max_connections = plan.caps.http;
  if (whois) config.whois.max_connections = plan.caps.whois;
  if (rtr) config.rtr.max_connections = plan.caps.rtr;
  log(describe(fds, plan));

  std::unique_ptr<Node> node(new Node(std::move(config)));
  if (auto s = node->open_chain(); !s) return s.take_error();
  if (auto s = node->open_services(); !s) return s.take_error();
  return node;
}

Status Node::open_chain() {
  crypto::init();
  auto genesis = ledger::Genesis::load(config_.genesis);
  if (!genesis) return genesis.take_error();
  if (!config_.validator_key.empty()) {
    auto key = load_key_file_asking(config_.validator_key);
    if (!key) return key.take_error();
    validator_ = *key;
  }
  std::error_code ec;
  std::filesystem::create_directories(config_.home, ec);
  if (ec) return fail("cannot create " + config_.home + ": " + ec.message());
  auto identity = node_identity(config_, validator_);
  if (!identity) return identity.take_error();
  identity_ = *identity;

  const std::string chain_id = genesis->chain_id;
  ledger::ChainOptions options;
  if (config_.verify_state) options.check = ledger::StateCheck::every_entry;
  StateRelease::install(options);
  if (config_.state_sync) {
    auto joined = join_by_state_sync({.ledger_dir = config_.home + "/ledger",
                                      .genesis = &*genesis,
                                      .node_key = *identity_,
                                      .peers = config_.peers,
                                      .timeout = config_.state_sync_timeout,
                                      .chain_options = options});
    if (!joined) return joined.take_error();
    chain_ = std::move(*joined);
  }
  if (!chain_) {
    auto chain = ledger::Chain::open(config_.home + "/ledger", std::move(*genesis), options);
    if (!chain) return chain.take_error();
    chain_ = std::move(*chain);
  }
  // The open's passing buffers (fetched entries, a rebuilt tree's leaves,
  // load scratch) back to the system now.
  basics::release_free_memory();
  log("heap: " + basics::heap_allocator());
  log("chain '" + chain_id + "' at height " + std::to_string(chain_->height()) + ", state root " +
      chain_->state_root().hex());
  if (validator_) {
    const uint64_t next = chain_->height() + 1;
    if (!chain_->validators_at(next).find(validator_->public_key()))
      log("warning: " + ledger::AccountId{validator_->public_key()}.to_string() + " is not a validator at height " +
          std::to_string(next) + "; it signs nothing while it is not");
  }
  return {};
}

Status Node::open_services() {
  const NodeConfig& c = config_;
  DriverOptions dopts;
  dopts.wal_path = c.home + "/consensus.wal";
  dopts.validator_key = validator_;
  dopts.node_key = identity_->public_key();
  dopts.timeouts = {c.timeout_propose,   c.timeout_propose / 2, c.timeout_prevote, c.timeout_prevote / 2,
                    c.timeout_precommit, c.timeout_precommit / 2};
  dopts.block_interval = std::chrono::milliseconds(static_cast<long>(c.block_interval * 1000));
  dopts.max_block_txs = c.max_block_txs;
  metrics_ = std::make_unique<NodeMetrics>();
  dopts.events = metrics_.get();
  shared_ = std::make_unique<SharedChain>(*chain_);
  auto driver = ConsensusDriver::open(ioc_, *shared_, dopts);
  if (!driver) return driver.take_error();
  driver_ = std::move(*driver);
  api_ = std::make_unique<Api>(*shared_, *driver_);

  P2pOptions popts{.chain_id = chain_->genesis().chain_id,
                   .genesis_hash = chain_->genesis_hash(),
                   .node_key = *identity_,
                   .validator = validator_.has_value(),
                   .peers = c.peers,
                   .best_height = [this] { return driver_->committed_height(); },
                   // Current validators get reserved peer slots.
                   .is_validator =
                       [this](const crypto::PublicKey& k) {
                         auto lock = shared_->read_lock();
                         return chain_->validators_at(chain_->height() + 1).find(k) != nullptr;
                       },
                   .max_peers = c.max_peers,
                   .log = {}};
  network_ = std::make_unique<P2pNetwork>(ioc_, popts);
  // Tests only: the fault plan sits between the driver and the network.
  if (!c.fault_plan.empty()) {
    faults_ = std::make_unique<FaultTransport>(
        ioc_, *network_,
        FaultTransportOptions{
            .plan_path = c.fault_plan, .genesis_hash = chain_->genesis_hash(), .validator_key = validator_});
    log("TEST ONLY: faults injected from " + c.fault_plan);
  }
  snapshots_ = std::make_unique<SnapshotService>(faults_ ? static_cast<Transport&>(*faults_) : *network_, *shared_);
  driver_->attach(snapshots_.get());

  HttpLimits http_limits = c.http;
  // A transaction travels as hex inside JSON: twice its bytes plus framing.
  http_limits.max_body = 2 * ledger::kMaxTxBytes + 4096;
  http_ = std::make_unique<HttpServer>(
      ioc_,
      [this](HttpRequest req, Responder r) {
        if (req.target == "/metrics" || req.target.rfind("/metrics?", 0) == 0)
          return r(metrics_response(*metrics_, *shared_, *driver_, rtr_.get()));
        if (auto page = explorer_response(req)) return r(std::move(*page));
        api_->handle(std::move(req), std::move(r));
      },
      http_limits,
      HttpUpgrade{"/p2p", [this](boost::beast::tcp_stream&& s,
                                 boost::beast::http::request<boost::beast::http::string_body>&& req) {
                    network_->accept(std::move(s), std::move(req));
                  }});
  auto port = http_->listen(c.listen);
  if (!port) return port.take_error();
  http_port_ = *port;
  whois_ = std::make_unique<WhoisServer>(
      ioc_, [this](const std::string& q) { return whois_answer(*shared_, q); }, c.whois);
  if (!c.whois_listen.empty()) {
    auto wport = whois_->listen(c.whois_listen);
    if (!wport) return fail("--whois-listen: " + wport.error());
    log("whois on " + c.whois_listen + " (port " + std::to_string(*wport) + ")");
  }
  if (!c.rtr_listen.empty()) {
    OriginSource origins = chain_origin_source(*shared_);
    if (!c.slurm.empty()) {
      auto slurm = SlurmExceptions::load(c.slurm);
      if (!slurm) return fail("--slurm: " + slurm.error());
      slurm_ = *slurm;
      log("slurm: " + c.slurm + ": " + ledger::describe(*slurm_->current().slurm));
      origins = slurm_origin_source(std::move(origins), slurm_);
    }
    rtr_ = std::make_unique<RtrServer>(ioc_, std::move(origins), c.rtr);
    auto rport = rtr_->listen(c.rtr_listen);
    if (!rport) return fail("--rtr-listen: " + rport.error());
    log("rtr on " + c.rtr_listen + " (port " + std::to_string(*rport) + "), session " +
        std::to_string(rtr_->session_id(1)) + " (version 0: " + std::to_string(rtr_->session_id(0)) + "), serial " +
        std::to_string(rtr_->serial()));
  }
  log(std::string(validator_ ? "validator" : "observer") + " " +
      ledger::AccountId{identity_->public_key()}.to_string() + ", node key " + identity_->public_key().hex());
  return {};
}

uint64_t Node::run() {
  if (faults_) faults_->start();
  network_->start();
  driver_->start();
  const auto host = parse_host_port(config_.listen);
  const std::string where = (host ? host->first : config_.listen) + ":" + std::to_string(http_port_);
  log("listening on http://" + where + " (peers at ws://" + where + "/p2p)");
  std::thread second([this] { ioc_.run(); });
  ioc_.run();
  second.join();
  network_->stop();
  driver_->stop();
  return chain_->height();
}

void Node::reload() {
  if (!slurm_) {
    log("SIGHUP: nothing to reload (only the --slurm file is re-read; other settings need a restart)");
  } else if (auto s = slurm_->reload(); !s) {
    logging::error("slurm: reload refused, still serving the last good file: " + s.error());
  } else {
    log("slurm: reloaded " + slurm_->path() + ": " + ledger::describe(*slurm_->current().slurm));
  }
}

void Node::stop() {
  if (network_) network_->stop();
  if (driver_) driver_->stop();
  if (faults_) faults_->stop();
  if (http_) http_->stop();
  if (whois_) whois_->stop();
  if (rtr_) rtr_->stop();
  ioc_.stop();
}

}  // namespace nl::node
