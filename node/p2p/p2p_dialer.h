// Keeps one configured peer address connected: resolve, TCP connect,
// WebSocket upgrade at /p2p, then hand the stream to the network, which
// makes the session. When that session ends it dials again after the
// backoff, except when the other end proved to be this node, or when the
// node it reached is connected anyway through another connection (then it
// waits until that one goes). One strand per dialler, shared with the
// session it makes: the dialler has at most one connection at a time.
#pragma once
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "crypto/ed25519.h"
#include "node/p2p/peer_session.h"
#include "node/p2p/redial_backoff.h"

namespace nl::node {

// What the dialler needs of the network.
class DialerHost {
 public:
  virtual ~DialerHost() = default;
  // The WebSocket upgrade succeeded: make and start the outbound session.
  virtual void dialled(size_t dialer, PeerSession::Ws ws, const std::string& address, const std::string& ip) = 0;
  virtual bool key_connected(const crypto::PublicKey& key) = 0;
  virtual void log(const std::string& line) = 0;
};

class PeerDialer : public std::enable_shared_from_this<PeerDialer> {
 public:
  PeerDialer(boost::asio::io_context& ioc, size_t index, std::string address, std::string host, uint16_t port,
             RedialBackoff backoff, std::chrono::milliseconds connect_timeout, std::weak_ptr<DialerHost> host_owner);

  // All from any thread.
  void start();
  void stop();
  void session_ended(SessionEnd end);
  void key_left(crypto::PublicKey key);

  const std::string& address() const { return address_; }

 private:
  enum class State { idle, waiting, dialling, connected, parked, self, stopped };

  void dial();
  void on_resolve(boost::beast::error_code ec, boost::asio::ip::tcp::resolver::results_type results);
  void on_connect(boost::beast::error_code ec, boost::asio::ip::tcp::endpoint ep);
  void on_upgrade(boost::beast::error_code ec);
  void failed(const std::string& reason);
  void schedule(std::chrono::milliseconds delay);

  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  const size_t index_;
  const std::string address_;
  const std::string host_;
  const uint16_t port_;
  RedialBackoff backoff_;
  const std::chrono::milliseconds connect_timeout_;
  const std::weak_ptr<DialerHost> owner_;

  State state_ = State::idle;
  boost::asio::steady_timer timer_;
  boost::asio::ip::tcp::resolver resolver_;
  std::optional<PeerSession::Ws> ws_;  // while dialling
  std::string remote_ip_;
  std::optional<crypto::PublicKey> known_key_;  // who answered here last time
};

}  // namespace nl::node
