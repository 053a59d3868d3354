// One numledgerd process: the chain, the consensus driver, the peer network
// (behind the fault plan when a test asks), the HTTP API with RDAP and
// /p2p, and whois and RTR when configured. Node owns them, opens them in
// order and stops them in reverse; numledgerd_main.cpp only reads flags.
#pragma once
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>
#include <optional>

#include "crypto/basics/result.h"
#include "crypto/ed25519.h"
#include "ledger/chain.h"
#include "node/node_config.h"

namespace nl::node {

class Api;
class ConsensusDriver;
class FaultTransport;
class HttpServer;
class NodeMetrics;
class P2pNetwork;
class RtrServer;
class SlurmExceptions;
class SharedChain;
class SnapshotService;
class WhoisServer;

class Node {
 public:
  // Fits the connection caps to the open-file limit, loads the genesis and
  // keys, opens the chain and binds every listener. Progress goes to stderr.
  static Result<std::unique_ptr<Node>> open(NodeConfig config);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Starts the network and the driver, then serves on two threads until
  // stop(); returns the height it stopped at.
  uint64_t run();
  // From any thread, e.g. a signal handler posted on io_context().
  void stop();
  // SIGHUP: re-reads the --slurm file; a bad file is logged and the last
  // good one stays in force.
  void reload();

  boost::asio::io_context& io_context() { return ioc_; }
  uint16_t http_port() const { return http_port_; }

 private:
  explicit Node(NodeConfig config);
  Status open_chain();
  Status open_services();

  NodeConfig config_;
  std::optional<crypto::SecretKey> validator_;
  std::optional<crypto::SecretKey> identity_;
  std::unique_ptr<ledger::Chain> chain_;
  // Declared after the chain and before the services: destroyed after them.
  boost::asio::io_context ioc_;
  std::unique_ptr<SharedChain> shared_;
  std::unique_ptr<NodeMetrics> metrics_;  // outlives the driver, which reports to it
  std::unique_ptr<ConsensusDriver> driver_;
  std::unique_ptr<Api> api_;
  std::unique_ptr<P2pNetwork> network_;
  std::unique_ptr<FaultTransport> faults_;
  std::unique_ptr<SnapshotService> snapshots_;  // serves state sync; between the network and the driver
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<WhoisServer> whois_;
  std::shared_ptr<SlurmExceptions> slurm_;  // with --slurm; read by rtr_'s poll
  std::unique_ptr<RtrServer> rtr_;
  uint16_t http_port_ = 0;
};

}  // namespace nl::node
