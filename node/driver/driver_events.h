// What the consensus driver reports as it works, for whoever watches it
// (node/metrics): it calls these on its own threads and never waits on
// them, so an implementation only counts.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace nl::node {

struct CommittedBlock {
  uint64_t height = 0;
  size_t txs = 0;
  size_t bytes = 0;             // the encoded block as decided (or synced), its last commit included
  std::vector<double> waited;   // seconds each of its transactions waited in this node's mempool
  bool synced = false;          // taken from a peer's range, not decided here
};

class DriverEvents {
 public:
  virtual ~DriverEvents() = default;
  virtual void block_committed(const CommittedBlock&) {}
  // A height this node decided in consensus: the round it decided in, and
  // how long the height took from its start.
  virtual void height_decided(uint32_t /*round*/, std::chrono::duration<double> /*took*/) {}
  // A transaction refused at admission (submitted or gossiped), with a
  // short, fixed label for why: node/metrics says which.
  virtual void tx_refused(const char* /*label*/) {}
};

}  // namespace nl::node
