// A Transport that wraps a real one and injects the faults of a plan
// (fault_plan.h) into each link: drops, partitions, delays with jitter,
// duplicates, and double-signed votes from this validator. Tests only:
// numledgerd builds one when --fault-plan FILE is given; the node is
// otherwise unchanged. The kernel's netem is not available on the test
// machines, so latency per link lives here.
//
// Faults act where this node sends (drop, delay, duplicate, equivocate)
// and, for a partition, also where it receives. Delays run on asio timers
// of the transport's own strand, never by sleeping; at most
// kMaxDelayedFrames frames wait at once, and a frame past that is dropped
// (and counted). The plan file is polled every poll_interval for a new
// modification time or size, and replaced whole when it changes (tests
// write a new file and rename it over the old one). Every report_interval
// it logs, per peer with faults, how many frames it dropped, duplicated and
// delayed, and the delays measured from send() to the real hand-over.
//
// The inner transport must outlive this one and the io_context's threads.
#pragma once
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "crypto/ed25519.h"
#include "crypto/hash.h"
#include "node/transport/fault_plan.h"
#include "node/transport/transport.h"

namespace nl::node {

inline constexpr size_t kMaxDelayedFrames = 65536;

struct FaultTransportOptions {
  std::string plan_path;  // empty: only set_plan()
  std::chrono::milliseconds poll_interval{100};
  std::chrono::milliseconds report_interval{5000};
  // For equivocate: what a vote binds, and the key that signs the twin.
  crypto::Hash32 genesis_hash = {};
  std::optional<crypto::SecretKey> validator_key = {};
  // One call per log line, without the newline; empty: stderr.
  std::function<void(const std::string&)> log = {};
};

// What happened on one link since the transport started.
struct LinkStats {
  uint64_t frames = 0;      // given to send for this peer
  uint64_t dropped = 0;     // by drop, partition (either way) or a full delay queue
  uint64_t duplicated = 0;  // second copies sent
  uint64_t twins = 0;       // conflicting votes sent (equivocate)
  uint64_t delayed = 0;     // frames handed over after a delay
  uint64_t delay_min_ms = 0, delay_max_ms = 0, delay_sum_ms = 0;  // measured, over `delayed`
};

class FaultTransport final : public Transport {
 public:
  FaultTransport(boost::asio::io_context& ioc, Transport& inner, FaultTransportOptions opts);
  ~FaultTransport() override;  // stops
  FaultTransport(const FaultTransport&) = delete;
  FaultTransport& operator=(const FaultTransport&) = delete;

  // Reads the plan file now, then every poll_interval. Call it once,
  // before the inner transport starts.
  void start();
  // Stops polling; frames still waiting are dropped. Any thread, safe twice.
  void stop();
  // Replaces the plan (what a changed file does).
  void set_plan(FaultPlan plan);
  std::map<crypto::PublicKey, LinkStats> stats() const;

  void set_handlers(OnMessage on_message, OnPeer on_peer) override;
  void broadcast(const p2p::P2pMessage& m, std::optional<PeerId> except = {}) override;
  void send(PeerId peer, const p2p::P2pMessage& m) override;
  void send(const std::vector<PeerId>& peers, const p2p::P2pMessage& m) override;
  void penalize(PeerId peer, int points, const std::string& reason) override;
  std::vector<PeerInfo> peers() const override;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace nl::node
