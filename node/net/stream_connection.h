// The ending the HTTP and whois connections share, on a beast::tcp_stream:
// shutdown() from any thread, close(), and linger() after a last answer.
// A template (CRTP) so that Derived keeps enable_shared_from_this<Derived>
// and its handlers bind to its own member functions.
#pragma once
#include <algorithm>
#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <cstddef>
#include <memory>

#include "node/net/tcp_server_core.h"

namespace nl::node {

template <class Derived>
class StreamConnection : public ServerConnection, public std::enable_shared_from_this<Derived> {
 public:
  // From any thread.
  void shutdown() override {
    boost::asio::post(stream_.get_executor(),
                      [self = this->shared_from_this()] { static_cast<StreamConnection&>(*self).close(); });
  }

 protected:
  using tcp = boost::asio::ip::tcp;

  StreamConnection(tcp::socket&& socket, ConnectionSlot slot) : stream_(std::move(socket)), slot_(std::move(slot)) {}

  // After a last answer the peer may still be sending: stop sending, then
  // read and discard for a while (at most `max_bytes`, and no longer than
  // `read_timeout`), so that closing does not reset the connection before
  // the peer has read the answer.
  void linger(std::chrono::steady_clock::duration read_timeout, size_t max_bytes) {
    if (closed_) return;
    boost::beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(std::min<std::chrono::steady_clock::duration>(kLingerTime, read_timeout));
    drain(max_bytes);
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    boost::beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
    slot_.release();
  }

  boost::beast::tcp_stream stream_;
  ConnectionSlot slot_;
  bool closed_ = false;

 private:
  static constexpr std::chrono::seconds kLingerTime{2};

  void drain(size_t max_bytes) {
    stream_.async_read_some(boost::asio::buffer(drain_buf_),
                            [self = this->shared_from_this(), max_bytes](boost::beast::error_code ec, size_t n) {
                              auto& me = static_cast<StreamConnection&>(*self);
                              me.drained_ += n;
                              if (ec || me.closed_ || me.drained_ > max_bytes) return me.close();
                              me.drain(max_bytes);
                            });
  }

  std::array<char, 4096> drain_buf_{};
  size_t drained_ = 0;
};

}  // namespace nl::node
