// The node's Prometheus metrics (GET /metrics, text format 0.0.4), kept
// with prometheus-cpp. Events (commits, decided heights, refusals) count
// as they happen; levels (height, peers, mempool, RocksDB, the process) are
// read at each scrape. The names and what each means are in
// whitepaper/operations.md, "Metrics".
#pragma once
#include <prometheus/registry.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ledger/block_store.h"
#include "node/driver/driver_events.h"

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
template <typename T>
class Family;
}  // namespace prometheus

namespace nl::node {

// What a scrape reads of the node at that moment (node/metrics/metrics_scrape.h).
struct NodeLevels {
  uint64_t height = 0;            // committed
  uint64_t consensus_height = 0;  // being decided
  uint32_t round = 0;
  bool validator = false;
  size_t validator_peers = 0, observer_peers = 0;
  uint64_t best_peer_height = 0;  // the highest a connected peer reports
  size_t mempool = 0;
  size_t holdings = 0;
  std::optional<size_t> rtr_sessions;  // none: no RTR listener
  std::optional<uint32_t> rtr_serial;
  std::vector<ledger::BlockStore::ColumnSize> columns;
};

class NodeMetrics final : public DriverEvents {
 public:
  NodeMetrics();
  ~NodeMetrics() override;

  void block_committed(const CommittedBlock& b) override;
  void height_decided(uint32_t round, std::chrono::duration<double> took) override;
  void tx_refused(const char* label) override;

  // Sets the levels and renders every metric.
  std::string render(const NodeLevels& now);

 private:
  prometheus::Gauge& gauge(const std::string& name, const std::string& help, const prometheus::Labels& labels = {});

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Counter* committed_txs_;
  prometheus::Counter* blocks_decided_;
  prometheus::Counter* blocks_synced_;
  prometheus::Counter* signature_checks_;
  prometheus::Counter* cpu_seconds_;
  prometheus::Family<prometheus::Counter>* refused_;
  prometheus::Histogram* commit_latency_;
  prometheus::Histogram* block_bytes_;
  prometheus::Histogram* rounds_;
  prometheus::Histogram* height_seconds_;
  std::mutex render_mu_;  // one scrape at a time: the counters it advances by difference
  uint64_t signature_checks_seen_ = 0;
  double cpu_seen_ = 0;
  std::map<std::string, prometheus::Family<prometheus::Gauge>*> gauges_;
};

}  // namespace nl::node
