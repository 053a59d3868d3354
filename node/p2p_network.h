// The peer network: WebSocket connections at /p2p on the HTTP port, in and
// out, each authenticated by a signed-nonce handshake and run on its own
// strand with a bounded send queue. It dials the configured peers with
// capped exponential backoff, keeps one connection per node key, scores
// misbehaviour and bans repeat offenders for a while. What messages mean
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
#include <set>
#include <string>
#include <vector>

#include "crypto/ed25519.h"
#include "crypto/hash.h"
#include "node/p2p_message.h"

namespace nl::node {

using PeerId = uint64_t;  // one per connection, never reused within a process

struct PeerInfo {
  PeerId id = 0;
  crypto::PublicKey key;  // the node key the handshake proved
  std::string address;    // "ip:port" of the other end
  bool outbound = false;  // we dialled it
  bool validator = false; // as its Hello said
  uint64_t best_height = 0;  // from its Hello, then from its last StatusMessage
};

struct P2pOptions {
  std::string chain_id = {};
  crypto::Hash32 genesis_hash = {};
  // No default: build with designated initializers, e.g.
  // P2pOptions{.chain_id = ..., .genesis_hash = ..., .node_key = key}.
  crypto::SecretKey node_key;  // a validator's is its validator key
  bool validator = false;
  std::vector<std::string> peers = {};      // HOST:PORT, dialled and redialled
  std::function<uint64_t()> best_height = {};  // for our Hello; any thread
  size_t max_peers = 64;                    // inbound and outbound together
  size_t send_queue_bytes = 64 * 1024 * 1024;  // per peer; a peer past it is dropped
  size_t send_queue_frames = 8192;
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
inline constexpr int kPenaltyInvalid = 10;      // decodes, but the node refuses it

class P2pNetwork {
 public:
  // Called on the connection's strand, for every frame after the
  // handshake (never Hello or HelloAuth), in the order the peer sent them.
  using OnMessage = std::function<void(const PeerInfo&, p2p::P2pMessage)>;
  // A peer finished its handshake (true) or left (false).
  using OnPeer = std::function<void(const PeerInfo&, bool connected)>;

  P2pNetwork(boost::asio::io_context& ioc, P2pOptions opts, OnMessage on_message, OnPeer on_peer);
  ~P2pNetwork();  // stops
  P2pNetwork(const P2pNetwork&) = delete;
  P2pNetwork& operator=(const P2pNetwork&) = delete;

  void start();  // begins dialling the configured peers
  void stop();   // stops dialling and closes every connection (WebSocket close); any thread

  // An HTTP request for /p2p asking to upgrade to WebSocket, with its
  // stream, handed over by the HTTP server (http_server.h).
  void accept(boost::beast::tcp_stream&& stream,
              boost::beast::http::request<boost::beast::http::string_body> request);

  // Any thread. Encodes once; a peer whose queue is full is dropped.
  void broadcast(const p2p::P2pMessage& m, std::optional<PeerId> except = {});
  void send(PeerId peer, const p2p::P2pMessage& m);
  // To each of `peers` that is connected, encoded once.
  void send(const std::vector<PeerId>& peers, const p2p::P2pMessage& m);
  // The node found a message of this peer invalid: adds points, and at
  // ban_score drops the peer and bans its key and address for ban_time.
  void penalize(PeerId peer, int points, const std::string& reason);

  std::vector<PeerInfo> peers() const;  // handshaken ones
  size_t peer_count() const;

  // Test-only fault hook: frames to and from these node keys are dropped
  // silently (connections stay up), as a network partition would.
  void set_partitioned(std::set<crypto::PublicKey> keys);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace nl::node
