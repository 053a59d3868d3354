// The TCP machinery the HTTP, whois and RTR servers share: listening on
// HOST:PORT, an accept loop on its own strand that backs off after accept
// errors such as EMFILE, a capped table of live connections (in all and per
// source address, address_counts.h), and a stop()
// that closes the acceptor and every connection still open. What is said
// on a connection is the server's business: it makes one per accepted
// socket, and says why (or not) to sockets over the cap.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "crypto/basics/result.h"
#include "node/net/address_counts.h"

namespace nl::node {

class TcpServerCore;

// What the core needs of a live connection.
class ServerConnection {
 public:
  virtual ~ServerConnection() = default;
  // Begins the conversation; called once, after the connection is registered.
  virtual void start() = 0;
  // Closes the connection; from any thread.
  virtual void shutdown() = 0;
};

// A connection's entry in the core's table, held by the connection. It is
// given back when the connection closes, or at the latest when it is
// destroyed; until then it keeps the core alive.
class ConnectionSlot {
 public:
  ConnectionSlot(std::shared_ptr<TcpServerCore> core, uint64_t id);
  ~ConnectionSlot();
  ConnectionSlot(ConnectionSlot&&) noexcept = default;
  ConnectionSlot& operator=(ConnectionSlot&&) = delete;
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;

  // Leaves the table; later calls do nothing.
  void release();
  // stop() has been called: finish up rather than begin more work.
  bool server_stopped() const;

 private:
  std::shared_ptr<TcpServerCore> core_;  // null once moved from
  uint64_t id_;
  bool released_ = false;
};

struct TcpServerRules {
  std::string name;            // "whois server", ...: how listen()'s errors name the server
  size_t max_connections = 0;  // accepted sockets beyond this are refused
  size_t max_per_address = 0;  // and beyond this many from one address (0: no such limit)
  bool resolve_names = true;   // false: the host must be an IP address
};

class TcpServerCore : public std::enable_shared_from_this<TcpServerCore> {
 public:
  using tcp = boost::asio::ip::tcp;
  // Makes the connection for an accepted socket; it must keep `slot`.
  using MakeConnection = std::function<std::shared_ptr<ServerConnection>(tcp::socket&&, ConnectionSlot)>;
  // Gets a socket over a cap before it closes, to say why; none: closed in silence.
  using RefuseConnection = std::function<void(tcp::socket&)>;

  // Hold it in a shared_ptr: the accept loop and the connections share it.
  TcpServerCore(boost::asio::io_context& ioc, TcpServerRules rules, MakeConnection make,
                RefuseConnection refuse = {});
  TcpServerCore(const TcpServerCore&) = delete;
  TcpServerCore& operator=(const TcpServerCore&) = delete;

  // Binds "HOST:PORT" or "[v6]:PORT" (port 0 picks a free port), runs
  // `before_accepting` once bound, then accepts. Returns the bound port.
  Result<uint16_t> listen(const std::string& host_port, const std::function<void()>& before_accepting = {});
  // Stop accepting and close all connections; safe from any thread.
  void stop();
  bool stopped() const;
  size_t connection_count() const;
  // Connections from the address (or IPv6 /64) of `addr`.
  size_t connection_count(const boost::asio::ip::address& addr) const;
  std::vector<std::shared_ptr<ServerConnection>> live_connections() const;
  // The accept loop's strand, for a server's own timers.
  boost::asio::any_io_executor strand();

 private:
  friend class ConnectionSlot;

  Result<tcp::endpoint> endpoint_for(const std::string& host_port, const std::string& host, uint16_t port);
  void do_accept();
  void on_accept(boost::system::error_code ec, tcp::socket socket);
  void forget(uint64_t id);
  std::vector<std::shared_ptr<ServerConnection>> live_locked() const;

  boost::asio::io_context& ioc_;
  const TcpServerRules rules_;
  const MakeConnection make_;
  const RefuseConnection refuse_;
  tcp::acceptor acceptor_;            // on its own strand, like retry_
  boost::asio::steady_timer retry_;  // backs off after accept errors
  bool listening_ = false;

  mutable std::mutex mu_;  // guards everything below
  bool stopped_ = false;
  uint64_t next_id_ = 0;
  struct Entry {
    std::weak_ptr<ServerConnection> conn;  // empty while it is being made
    AddressKey from;
  };
  std::unordered_map<uint64_t, Entry> conns_;  // an entry per slot given out
  AddressCounts per_address_;
};

}  // namespace nl::node
