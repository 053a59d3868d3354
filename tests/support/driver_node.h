// An in-process node for driver tests: a real Chain (RocksDB in its home),
// the consensus driver with its FileWal, the API on an HttpServer, and the
// P2pNetwork at /p2p, all on 127.0.0.1 with the node's own io_context run
// by two threads, so that stopping one node (as a crash or a restart would)
// leaves the others running.
#pragma once
#include <doctest/doctest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "ledger/chain.h"
#include "node/http/api.h"
#include "node/driver/consensus_driver.h"
#include "node/transport/fault_transport.h"
#include "node/net/http_server.h"
#include "node/p2p/p2p_network.h"
#include "fixtures.h"

namespace nl::test {

struct DriverNodeOptions {
  std::optional<crypto::SecretKey> validator;  // none: an observer
  std::chrono::milliseconds block_interval{100};
  uint64_t timeout_ms = 400;
  std::chrono::milliseconds sync_lag_grace{300};
  // A fault plan file (node/transport/fault_plan.h) between the driver and its
  // network, as numledgerd --fault-plan puts it; empty: none.
  std::string fault_plan;
};

class DriverNode {
 public:
  DriverNode(std::string home, ledger::Genesis genesis, DriverNodeOptions opts)
      : home_(std::move(home)), genesis_(std::move(genesis)), opts_(std::move(opts)) {}
  ~DriverNode() { stop(); }

  // Opens the chain and the driver and listens (on `port`, or a free one).
  void open(uint16_t port = 0) {
    auto c = ledger::Chain::open(home_ + "/ledger", genesis_);
    REQUIRE_MESSAGE(c.ok(), c.error());
    chain_ = std::move(*c);
    ioc_ = std::make_unique<boost::asio::io_context>();
    work_.emplace(ioc_->get_executor());
    const crypto::SecretKey identity = opts_.validator ? *opts_.validator : node_key();
    node::DriverOptions d;
    d.wal_path = home_ + "/consensus.wal";
    d.validator_key = opts_.validator;
    d.node_key = identity.public_key();
    d.timeouts = {opts_.timeout_ms, opts_.timeout_ms / 2, opts_.timeout_ms, opts_.timeout_ms / 2,
                  opts_.timeout_ms, opts_.timeout_ms / 2};
    d.block_interval = opts_.block_interval;
    d.regossip_interval = std::chrono::milliseconds(300);
    d.sync_timeout = std::chrono::milliseconds(3000);
    d.sync_lag_grace = opts_.sync_lag_grace;
    shared_ = std::make_unique<node::SharedChain>(*chain_);
    auto drv = node::ConsensusDriver::open(*ioc_, *shared_, d);
    REQUIRE_MESSAGE(drv.ok(), drv.error());
    driver_ = std::move(*drv);
    api_ = std::make_unique<node::Api>(*shared_, *driver_);
    node::HttpLimits limits;
    limits.max_body = 2 * ledger::kMaxTxBytes + 4096;
    server_ = std::make_unique<node::HttpServer>(
        *ioc_, [this](node::HttpRequest r, node::Responder respond) { api_->handle(std::move(r), std::move(respond)); },
        limits,
        node::HttpUpgrade{"/p2p", [this](boost::beast::tcp_stream&& s,
                                         boost::beast::http::request<boost::beast::http::string_body>&& req) {
                            net_->accept(std::move(s), std::move(req));
                          }});
    auto p = server_->listen("127.0.0.1:" + std::to_string(port));
    REQUIRE_MESSAGE(p.ok(), p.error());
    port_ = *p;
  }

  // Joins the network (dialling `peers`) and starts consensus.
  void start(const std::vector<std::string>& peers) {
    const crypto::SecretKey identity = opts_.validator ? *opts_.validator : node_key();
    node::P2pOptions p{.chain_id = genesis_.chain_id,
                       .genesis_hash = chain_->genesis_hash(),
                       .node_key = identity,
                       .validator = opts_.validator.has_value(),
                       .peers = peers,
                       .best_height = [this] { return driver_->committed_height(); },
                       .log = {}};
    p.redial_min = std::chrono::milliseconds(50);
    p.redial_max = std::chrono::milliseconds(500);
    net_ = std::make_unique<node::P2pNetwork>(*ioc_, p);
    node::Transport* transport = net_.get();
    if (!opts_.fault_plan.empty()) {
      faults_ = std::make_unique<node::FaultTransport>(
          *ioc_, *net_,
          node::FaultTransportOptions{.plan_path = opts_.fault_plan,
                                      .genesis_hash = chain_->genesis_hash(),
                                      .validator_key = opts_.validator});
      faults_->start();
      transport = faults_.get();
    }
    driver_->attach(transport);
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc_->run(); });
    net_->start();
    driver_->start();
  }

  // Everything down, as a process exit would; the home stays.
  void stop() {
    if (!ioc_) return;
    if (net_) net_->stop();
    if (driver_) driver_->stop();
    if (faults_) faults_->stop();
    if (server_) server_->stop();
    work_.reset();
    ioc_->stop();
    for (auto& t : threads_) t.join();
    threads_.clear();
    faults_.reset();
    net_.reset();
    server_.reset();
    api_.reset();
    driver_.reset();
    ioc_.reset();
    shared_.reset();
    chain_.reset();
  }

  bool running() const { return ioc_ != nullptr; }
  uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string url() const { return "http://" + address(); }
  node::ConsensusDriver& driver() { return *driver_; }
  node::P2pNetwork& network() { return *net_; }

  // Reads the chain under its read lock.
  template <class F>
  auto read(F f) {
    auto lk = shared_->read_lock();
    return f(static_cast<const ledger::Chain&>(*chain_));
  }
  uint64_t height() {
    return read([](const ledger::Chain& c) { return c.height(); });
  }
  crypto::Hash32 hash_at(uint64_t h) {
    return read([h](const ledger::Chain& c) {
      auto b = c.store().block(h);
      return b ? b->header.hash() : crypto::Hash32{};
    });
  }
  crypto::Hash32 state_root_at(uint64_t h) {
    return read([h](const ledger::Chain& c) {
      auto b = c.store().block(h);
      return b ? b->header.state_root : crypto::Hash32{};
    });
  }

 private:
  crypto::SecretKey node_key() {
    if (!observer_key_) observer_key_ = crypto::SecretKey::generate();
    return *observer_key_;
  }

  std::string home_;
  ledger::Genesis genesis_;
  DriverNodeOptions opts_;
  std::optional<crypto::SecretKey> observer_key_;
  std::unique_ptr<ledger::Chain> chain_;
  std::unique_ptr<node::SharedChain> shared_;
  std::unique_ptr<boost::asio::io_context> ioc_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::unique_ptr<node::ConsensusDriver> driver_;
  std::unique_ptr<node::Api> api_;
  std::unique_ptr<node::HttpServer> server_;
  std::unique_ptr<node::P2pNetwork> net_;
  std::unique_ptr<node::FaultTransport> faults_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
};

// Polls `done` every 10 ms until it holds or `limit` passes.
template <class F>
bool eventually(F done, std::chrono::milliseconds limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace nl::test
