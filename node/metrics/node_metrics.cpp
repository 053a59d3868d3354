#include "node/metrics/node_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/text_serializer.h>

#include "crypto/ed25519.h"
#include "node/metrics/process_stats.h"

namespace nl::node {

using prometheus::BuildCounter;
using prometheus::BuildHistogram;

NodeMetrics::NodeMetrics() : registry_(std::make_shared<prometheus::Registry>()) {
  auto& r = *registry_;
  committed_txs_ = &BuildCounter()
                        .Name("numledger_committed_transactions_total")
                        .Help("Transactions in blocks this node committed")
                        .Register(r)
                        .Add({});
  auto& blocks = BuildCounter()
                     .Name("numledger_committed_blocks_total")
                     .Help("Blocks this node committed, by how it got them: decided in consensus, or synced from a peer")
                     .Register(r);
  blocks_decided_ = &blocks.Add({{"source", "consensus"}});
  blocks_synced_ = &blocks.Add({{"source", "sync"}});
  signature_checks_ = &BuildCounter()
                           .Name("numledger_signature_checks_total")
                           .Help("Ed25519 signature checks this process made (transactions, votes, certificates)")
                           .Register(r)
                           .Add({});
  cpu_seconds_ = &BuildCounter()
                      .Name("process_cpu_seconds_total")
                      .Help("User and system CPU time the process has used, in seconds")
                      .Register(r)
                      .Add({});
  refused_ = &BuildCounter()
                  .Name("numledger_refused_transactions_total")
                  .Help("Transactions refused on submission or gossip, by reason")
                  .Register(r);
  commit_latency_ = &BuildHistogram()
                         .Name("numledger_commit_latency_seconds")
                         .Help("From a transaction's arrival in this node's mempool to its commit")
                         .Register(r)
                         .Add({}, prometheus::Histogram::BucketBoundaries{0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60});
  block_bytes_ = &BuildHistogram()
                      .Name("numledger_block_size_bytes")
                      .Help("Encoded size of each committed block")
                      .Register(r)
                      .Add({}, prometheus::Histogram::BucketBoundaries{1024, 4096, 16384, 65536, 262144, 1048576,
                                                                       4194304});
  rounds_ = &BuildHistogram()
                 .Name("numledger_rounds_per_height")
                 .Help("Rounds each height this node decided took (1: decided in round 0)")
                 .Register(r)
                 .Add({}, prometheus::Histogram::BucketBoundaries{1, 2, 3, 5, 10});
  height_seconds_ = &BuildHistogram()
                         .Name("numledger_height_seconds")
                         .Help("From the start of a height to its commit, for heights this node decided")
                         .Register(r)
                         .Add({}, prometheus::Histogram::BucketBoundaries{0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30});
  // Every refusal reason shows from the start, at zero.
  for (const char* label : {"malformed", "wrong_chain", "signature", "nonce_used", "nonce_taken", "nonce_ahead",
                            "rules", "conflict", "mempool_full", "queue_full"})
    refused_->Add({{"reason", label}});
}

NodeMetrics::~NodeMetrics() = default;

void NodeMetrics::block_committed(const CommittedBlock& b) {
  committed_txs_->Increment(static_cast<double>(b.txs));
  (b.synced ? blocks_synced_ : blocks_decided_)->Increment();
  block_bytes_->Observe(static_cast<double>(b.bytes));
  for (double w : b.waited) commit_latency_->Observe(w);
}

void NodeMetrics::height_decided(uint32_t round, std::chrono::duration<double> took) {
  rounds_->Observe(static_cast<double>(round) + 1);
  height_seconds_->Observe(took.count());
}

void NodeMetrics::tx_refused(const char* label) { refused_->Add({{"reason", label}}).Increment(); }

prometheus::Gauge& NodeMetrics::gauge(const std::string& name, const std::string& help,
                                      const prometheus::Labels& labels) {
  auto it = gauges_.find(name);
  if (it == gauges_.end())
    it = gauges_.emplace(name, &prometheus::BuildGauge().Name(name).Help(help).Register(*registry_)).first;
  return it->second->Add(labels);
}

std::string NodeMetrics::render(const NodeLevels& now) {
  std::lock_guard lk(render_mu_);
  gauge("numledger_height", "Height of the last committed block").Set(static_cast<double>(now.height));
  gauge("numledger_consensus_height", "Height consensus is deciding").Set(static_cast<double>(now.consensus_height));
  gauge("numledger_consensus_round", "Round of the height being decided").Set(now.round);
  gauge("numledger_validator", "1 when this node votes, 0 for an observer").Set(now.validator ? 1 : 0);
  const std::string peers_help = "Connected peers, by whether they vote";
  gauge("numledger_peers", peers_help, {{"kind", "validator"}}).Set(static_cast<double>(now.validator_peers));
  gauge("numledger_peers", peers_help, {{"kind", "observer"}}).Set(static_cast<double>(now.observer_peers));
  gauge("numledger_sync_target_height", "The highest height a connected peer reports (sync is done at numledger_height)")
      .Set(static_cast<double>(std::max(now.best_peer_height, now.height)));
  gauge("numledger_mempool_transactions", "Transactions waiting in the mempool").Set(static_cast<double>(now.mempool));
  gauge("numledger_holdings", "Holdings in the committed state").Set(static_cast<double>(now.holdings));
  if (now.rtr_sessions) {
    gauge("numledger_rtr_sessions", "Connected RTR clients (routers)").Set(static_cast<double>(*now.rtr_sessions));
    gauge("numledger_rtr_serial", "The RTR cache's serial number").Set(static_cast<double>(*now.rtr_serial));
  }
  for (const auto& c : now.columns) {
    gauge("numledger_rocksdb_sst_bytes", "Size of a RocksDB column family's SST files", {{"cf", c.name}})
        .Set(static_cast<double>(c.sst_bytes));
    gauge("numledger_rocksdb_memtable_bytes", "Size of a RocksDB column family's memtables", {{"cf", c.name}})
        .Set(static_cast<double>(c.memtable_bytes));
  }
  const uint64_t checks = crypto::verify_count();
  signature_checks_->Increment(static_cast<double>(checks - signature_checks_seen_));
  signature_checks_seen_ = checks;
  if (auto p = read_process_stats()) {
    if (p->cpu_seconds > cpu_seen_) cpu_seconds_->Increment(p->cpu_seconds - cpu_seen_);
    cpu_seen_ = std::max(cpu_seen_, p->cpu_seconds);
    gauge("process_resident_memory_bytes", "Resident memory size in bytes").Set(static_cast<double>(p->resident_bytes));
    gauge("process_virtual_memory_bytes", "Virtual memory size in bytes").Set(static_cast<double>(p->virtual_bytes));
    gauge("process_open_fds", "Open file descriptors").Set(static_cast<double>(p->open_fds));
    gauge("process_start_time_seconds", "Start time of the process since the unix epoch, in seconds").Set(p->start_time);
  }
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace nl::node
