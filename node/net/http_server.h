// A small async HTTP/1.1 server on Boost.Beast that the JSON API sits on.
// Each connection runs on its own strand with at most one read and one
// write in flight; handlers may answer later and from any thread.
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
#include <string>
#include <utility>
#include <vector>

#include "crypto/basics/result.h"
#include "node/net/http_message.h"
#include "node/net/host_port.h"  // parse_host_port, for callers that check --listen flags
#include "node/net/tcp_server.h"

namespace nl::node {

// A HEAD request reaches the handler like any other; if the handler answers
// it, the server sends the answer's status and headers, with the
// Content-Length of its body, but not the body (RFC 9110 §9.3.2).

// May be called from any thread; only the first call counts. It keeps
// its connection alive, so it must not outlive the io_context.
using Responder = std::function<void(HttpResponse)>;
using HttpHandler = std::function<void(HttpRequest, Responder)>;

// The numbers and their reasons are in whitepaper/security.md.
struct HttpLimits {
  size_t max_body = 64 * 1024;
  size_t max_header = 8 * 1024;
  // From accepting (or from the end of the previous answer on a kept
  // connection) to the end of the request header: idle and slow senders
  // (slowloris) give their slot back within it.
  std::chrono::seconds header_timeout{10};
  std::chrono::seconds body_timeout{10};   // the whole body, once its header is in
  // A client that takes no byte of an answer for this long is closed;
  // a slow one that keeps reading may take as long as it needs.
  std::chrono::seconds write_timeout{15};
  // Answers the server holds for clients still to read them, shared bodies
  // aside. An answer over kSmallAnswerBytes that would pass this gets 503
  // (unless nothing else is held), so non-reading clients pin at most this
  // or one answer, plus kSmallAnswerBytes per connection.
  size_t max_pending_bytes = 64 * 1024 * 1024;
  size_t max_connections = 512;
  size_t max_per_address = 64;  // per IPv4 address or IPv6 /64; 0: no such limit
};

// Always sent, whatever the budget: errors, status, small pages.
inline constexpr size_t kSmallAnswerBytes = 64 * 1024;

// Takes over a connection whose request asks to upgrade to WebSocket at
// HttpUpgrade::path: the stream (on its own strand) and the request. The
// connection has left the server's table by then: the taker caps its own.
using UpgradeHandler = std::function<void(boost::beast::tcp_stream&&,
                                          boost::beast::http::request<boost::beast::http::string_body>&&)>;

struct HttpUpgrade {
  std::string path;        // e.g. "/p2p"; matched against the target without its query
  UpgradeHandler handler;  // empty: no upgrades; every request goes to the HttpHandler
};

// listen(), stop() and connection_count() are TcpServer's.
class HttpServer : public TcpServer {
 public:
  // A request for upgrade.path that is not a WebSocket upgrade goes to
  // `handler` like any other.
  HttpServer(boost::asio::io_context& ioc, HttpHandler handler, HttpLimits limits = {}, HttpUpgrade upgrade = {});
};

}  // namespace nl::node
