// The peer network: WebSocket connections at /p2p on the HTTP port, in and
// out, each authenticated by a signed-nonce handshake and run on its own
// strand with a bounded send queue. It dials the configured peers with
// capped exponential backoff, keeps one connection per node key, scores
// misbehaviour and bans repeat offenders for a while: by node key once the
// handshake proved it, by address only for what comes before. Slots: the
// current validators and the configured peers (reserved) always get in;
// everyone else shares max_peers, at most max_peers_per_address from one
// address, and is dropped after useful_idle_timeout without a useful frame.
// Memory: one blocks reply in flight per peer, within a shared budget, and
// a bound on all queued outbound bytes (whitepaper/security.md). What messages mean
// is the node's business (consensus_driver.h): the network delivers them
// and sends what it is given.
#pragma once
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto/ed25519.h"
#include "crypto/hash.h"
#include "node/transport/p2p_message.h"
#include "node/transport/transport.h"

namespace nl::node {

struct P2pOptions {
  std::string chain_id = {};
  crypto::Hash32 genesis_hash = {};
  // No default: build with designated initializers, e.g.
  // P2pOptions{.chain_id = ..., .genesis_hash = ..., .node_key = key}.
  crypto::SecretKey node_key;  // a validator's is its validator key
  bool validator = false;
  std::vector<std::string> peers = {};      // HOST:PORT, dialled and redialled
  std::function<uint64_t()> best_height = {};  // for our Hello; any thread
  // Whether a node key is in the current validator set (a reserved slot).
  // Any thread, never under the network's lock; empty: none is.
  std::function<bool(const crypto::PublicKey&)> is_validator = {};
  size_t max_peers = 64;                 // peers that are not reserved (validators, configured peers)
  size_t max_peers_per_address = 8;      // of those, from one IP address
  size_t max_handshaking = 32;           // inbound connections still in their handshake
  size_t max_handshaking_per_address = 4;
  size_t banned_address_sessions = 2;    // non-reserved sessions a banned address may still hold
  size_t send_queue_bytes = 32 * 1024 * 1024;  // per peer; a peer past it is dropped as not reading
  size_t send_queue_frames = 8192;
  size_t max_queued_bytes = 256 * 1024 * 1024;  // all peers' send queues; past it the largest is dropped
  size_t blocks_reply_budget = 64 * 1024 * 1024;  // blocks replies being built or queued, all peers
  // Blocks replies per peer, a token bucket in bytes (each reply costs its
  // size, at least kServeMinBytes = 256 KiB, peer_session.h): 8 of the
  // largest frame a second, or 512 small replies.
  double serve_bytes_per_second = 8.0 * p2p::kMaxBlocksFrameBytes;
  double serve_bytes_burst = 8.0 * p2p::kMaxBlocksFrameBytes;
  std::chrono::milliseconds write_stall_timeout{30000};  // a frame the peer does not take in by then drops it
  std::chrono::seconds useful_idle_timeout{120};  // non-reserved peer without a useful frame: dropped
  std::chrono::milliseconds handshake_timeout{5000};
  std::chrono::milliseconds redial_min{200};
  std::chrono::milliseconds redial_max{10000};
  std::chrono::seconds idle_timeout{30};  // a connected peer silent this long is dropped (pings keep it up)
  int ban_score = 100;                    // misbehaviour points that ban
  std::chrono::seconds ban_time{60};
  // Where the network's log lines go, one call per line without the
  // newline; empty: stderr. Lines start "numledgerd: p2p: ".
  std::function<void(const std::string& line)> log = {};
};

// Points for the usual offences; a node adds its own through penalize().
inline constexpr int kPenaltyUndecodable = 25;  // oversized, malformed, unknown tag
inline constexpr int kPenaltyHandshake = 50;    // wrong chain, bad signature, protocol
// kPenaltyInvalid (transport.h): decodes, but the node refuses it
inline constexpr int kPenaltyHandshakeTimeout = 10;  // to the address: a handshake not finished in time
inline constexpr int kPenaltyNotReading = 100;  // to the key: a peer that does not take in what it asked for
inline constexpr int kPenaltyNotReadingAddress = 50;  // and to its address, so fresh keys from it are not welcome

// The Transport the node runs on. Its handlers are called on the
// connection's strand, for every frame after the handshake (never Hello or
// HelloAuth), in the order the peer sent them.
class P2pNetwork final : public Transport {
 public:
  P2pNetwork(boost::asio::io_context& ioc, P2pOptions opts, OnMessage on_message = {}, OnPeer on_peer = {});
  ~P2pNetwork() override;  // stops
  P2pNetwork(const P2pNetwork&) = delete;
  P2pNetwork& operator=(const P2pNetwork&) = delete;

  void start();  // begins dialling the configured peers
  void stop();   // stops dialling and closes every connection (WebSocket close); any thread

  // An HTTP request for /p2p asking to upgrade to WebSocket, with its
  // stream, handed over by the HTTP server (http_server.h).
  void accept(boost::beast::tcp_stream&& stream,
              boost::beast::http::request<boost::beast::http::string_body> request);

  void set_handlers(OnMessage on_message, OnPeer on_peer) override;
  // Any thread. Encodes once; a peer whose queue is full is dropped.
  void broadcast(const p2p::P2pMessage& m, std::optional<PeerId> except = {}) override;
  void send(PeerId peer, const p2p::P2pMessage& m) override;
  // To each of `peers` that is connected, encoded once.
  void send(const std::vector<PeerId>& peers, const p2p::P2pMessage& m) override;
  // The node found a message of this peer invalid: adds points to its node
  // key, and at ban_score drops the peer and bans the key for ban_time.
  void penalize(PeerId peer, int points, const std::string& reason) override;

  std::vector<PeerInfo> peers() const override;  // handshaken ones
  size_t queued_bytes() const;  // all send queues together
  size_t peer_count() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace nl::node
