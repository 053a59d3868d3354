// One /p2p WebSocket connection, in or out: the Hello/HelloAuth exchange,
// then a read loop that decodes every binary frame and a bounded send
// queue. A get_blocks frame pauses the reading until its blocks reply is
// written (one reply in flight, at a token-bucket rate, within a budget
// shared by all sessions), so a peer gets blocks only as fast as it reads;
// a frame the peer does not take in within write_stall_timeout drops it. Everything it does runs on its strand (the stream's executor);
// the public calls post there and may come from any thread. What the
// network decides (admission, scores, callbacks) it asks its owner.
#pragma once
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "crypto/ed25519.h"
#include "node/p2p/p2p_handshake.h"
#include "node/transport/p2p_message.h"

namespace nl::node {

class PeerSession;

// Who this node is, for every handshake.
struct LocalIdentity {
  std::string chain_id;
  crypto::Hash32 genesis_hash;
  crypto::SecretKey node_key;
  bool validator = false;
  std::function<uint64_t()> best_height;  // may be empty: 0
};

// The least a blocks reply costs in the serving bucket, however small:
// what keeps empty replies from coming faster than 512 a second at the
// default rate.
inline constexpr size_t kServeMinBytes = 256 * 1024;

struct SessionLimits {
  size_t queue_bytes = 0;
  size_t queue_frames = 0;
  std::chrono::milliseconds handshake_timeout{0};
  std::chrono::seconds idle_timeout{0};
  std::chrono::milliseconds write_stall_timeout{0};  // one frame not taken in by then: dropped
  // Token bucket for serving get_blocks, in reply bytes: each reply costs
  // its size, at least kServeMinBytes.
  double serve_bytes_per_second = 0;
  double serve_bytes_burst = 0;
};

// How a session ended, for the owner and the dialler.
struct SessionEnd {
  std::string reason;
  bool self = false;       // the other end was this node
  bool duplicate = false;  // closed because another connection to that node stays
  std::optional<crypto::PublicKey> claimed_key;  // from its Hello, proven or not
  std::chrono::steady_clock::duration lasted{};  // since the handshake finished; 0 if it never did
  bool logged = false;     // this end refused or dropped it and has logged why
};

// The owner's answer when a handshake completes.
struct Admission {
  bool admitted = false;
  bool duplicate = false;  // refused because a better connection to that node exists
  std::string reason;      // when refused
};

class SessionOwner {
 public:
  virtual ~SessionOwner() = default;
  // The handshake proved theirs.node_key. Admitted: the session is a peer
  // from now on and the owner has announced it.
  virtual Admission admit(const std::shared_ptr<PeerSession>& s, const p2p::Hello& theirs) = 0;
  // A frame after the handshake, in order; on the session's strand. False
  // when it was not handed on (not a peer, stopping).
  virtual bool deliver(PeerSession& s, p2p::P2pMessage m) = 0;
  // Refused handshake or bad frame: logged, scored; the session closes
  // itself. `points` go to the key once it is proven, else to the address;
  // `address_points` to the address as well.
  virtual void misbehaved(PeerSession& s, int points, int address_points, const std::string& what,
                          const std::string& reason) = 0;
  // The budget shared by every session for blocks replies being built or
  // queued: take `bytes` (false when they do not fit; `force` takes them
  // anyway) and give them back.
  virtual bool take_blocks_budget(size_t bytes, bool force) = 0;
  virtual void give_blocks_budget(size_t bytes) = 0;
  // The session's send queue grew (or shrank) by `delta` bytes.
  virtual void queued(std::ptrdiff_t delta) = 0;
  // Called once, last, on the session's strand.
  virtual void closed(PeerSession& s, const SessionEnd& end) = 0;
  virtual void log(const std::string& line) = 0;
};

class PeerSession : public std::enable_shared_from_this<PeerSession> {
 public:
  using Ws = boost::beast::websocket::stream<boost::beast::tcp_stream>;
  using Request = boost::beast::http::request<boost::beast::http::string_body>;

  PeerSession(uint64_t id, Ws ws, bool outbound, std::string address, std::string ip,
              std::shared_ptr<const LocalIdentity> me, SessionLimits limits, std::weak_ptr<SessionOwner> owner);

  // Inbound: answers the upgrade request, then handshakes.
  void start_inbound(Request request);
  // Outbound: the WebSocket handshake is done; begins ours.
  void start_outbound();

  // Any thread. Queues a frame; a full queue drops the peer.
  void send(std::shared_ptr<const Bytes> frame);
  // Any thread. Sends a WebSocket close with `reason` and ends the session.
  void close(std::string reason, bool policy_violation = false, bool duplicate = false);
  // Any thread. Drops a peer that does not read, with the penalty for it.
  void drop_not_reading(std::string reason);

  // Any thread: bytes in the send queue, and when the last useful frame
  // (anything but pings and the handshake) came in.
  size_t queued_bytes() const { return queued_bytes_mirror_.load(); }
  std::chrono::steady_clock::time_point last_useful() const {
    return std::chrono::steady_clock::time_point(std::chrono::steady_clock::duration(last_useful_.load()));
  }

  uint64_t id() const { return id_; }
  bool outbound() const { return outbound_; }
  const std::string& address() const { return address_; }
  const std::string& ip() const { return ip_; }
  // Our Hello on this connection (set at construction; immutable).
  const p2p::Hello& our_hello() const { return ours_; }

 private:
  void begin_handshake();
  void on_handshake_timeout(boost::beast::error_code ec);
  void read_next();
  void on_read(boost::beast::error_code ec, size_t n);
  // False: reading pauses (a get_blocks waits for its reply).
  bool on_frame(ByteView frame);
  void serve_get_blocks();
  void release_reply();
  void resume_reading();
  void arm_blocks_timer(std::chrono::steady_clock::duration after);
  void on_handshake_frame(p2p::P2pMessage m);
  void enqueue(std::shared_ptr<const Bytes> frame);
  void write_next();
  void pop_front_frame();
  void drop_queued();  // all but a frame being written
  void refuse(int points, const std::string& what, const std::string& reason, int address_points = 0);
  void do_close(std::string reason, bool policy_violation, bool duplicate);
  void finish(std::string reason);
  std::string describe_read_error(boost::beast::error_code ec) const;

  enum class Phase { accepting, handshaking, open, closing, done };

  const uint64_t id_;
  Ws ws_;
  const bool outbound_;
  const std::string address_;
  const std::string ip_;
  const std::shared_ptr<const LocalIdentity> me_;
  const SessionLimits limits_;
  const std::weak_ptr<SessionOwner> owner_;
  const p2p::Hello ours_;

  Phase phase_ = Phase::accepting;
  std::optional<p2p::Hello> theirs_;
  std::optional<Request> request_;
  boost::asio::steady_timer timer_;  // handshake deadline, then the close deadline
  boost::beast::flat_buffer buffer_;
  std::deque<std::shared_ptr<const Bytes>> queue_;
  size_t queued_bytes_ = 0;
  bool writing_ = false;
  std::atomic<size_t> queued_bytes_mirror_{0};
  std::atomic<std::chrono::steady_clock::rep> last_useful_{0};
  boost::asio::steady_timer write_timer_;   // the frame being written must be taken in by then
  boost::asio::steady_timer blocks_timer_;  // a token, the budget, or the reply's deadline
  bool reading_paused_ = false;
  std::optional<p2p::GetBlocks> pending_get_blocks_;  // read, not yet served
  bool awaiting_reply_ = false;          // served; its blocks frame not yet written
  const Bytes* reply_frame_ = nullptr;   // that frame once queued
  size_t reply_budget_ = 0;              // blocks budget held for it
  double tokens_ = 0;  // reply bytes; below 0 after a reply larger than what was left
  std::chrono::steady_clock::time_point tokens_at_{};
  std::string close_reason_;
  bool self_ = false;
  bool duplicate_ = false;
  bool logged_ = false;
  std::chrono::steady_clock::time_point opened_at_{};
};

}  // namespace nl::node
