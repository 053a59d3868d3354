// The seam between the consensus driver and the network, in the spirit of
// concord-bft's ICommunication: the driver sends, broadcasts, penalises and
// lists peers through it, and hears frames and peer changes through the
// handlers it sets. P2pNetwork (p2p_network.h) is the real one;
// FaultTransport (fault_transport.h) wraps one to drop, delay, duplicate or
// partition frames in tests. Every call may come from any thread.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "crypto/ed25519.h"
#include "node/transport/p2p_message.h"

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

// Points for a message that decodes but that the node refuses; the
// network bans a key whose points reach its ban score.
inline constexpr int kPenaltyInvalid = 10;

class Transport {
 public:
  // Every frame a peer sent after its handshake, in the order it sent them.
  using OnMessage = std::function<void(const PeerInfo&, p2p::P2pMessage)>;
  // A peer finished its handshake (true) or left (false).
  using OnPeer = std::function<void(const PeerInfo&, bool connected)>;

  virtual ~Transport() = default;

  // Replaces the handlers; set them before the transport starts, since a
  // frame that arrives first goes to the old ones.
  virtual void set_handlers(OnMessage on_message, OnPeer on_peer) = 0;

  // To every peer but `except`.
  virtual void broadcast(const p2p::P2pMessage& m, std::optional<PeerId> except = {}) = 0;
  virtual void send(PeerId peer, const p2p::P2pMessage& m) = 0;
  // To each of `peers` that is connected.
  virtual void send(const std::vector<PeerId>& peers, const p2p::P2pMessage& m) = 0;
  // A message of this peer was invalid: points towards a ban of its key.
  virtual void penalize(PeerId peer, int points, const std::string& reason) = 0;
  // The peers that finished their handshake.
  virtual std::vector<PeerInfo> peers() const = 0;
};

}  // namespace nl::node
