// A small async HTTP/1.1 server on Boost.Beast that the JSON API sits on.
// Each connection runs on its own strand with at most one read and one
// write in flight; handlers may answer later and from any thread.
#pragma once
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "crypto/result.h"

namespace nl::node {

namespace detail {
struct HttpServerState;
}

struct HttpRequest {
  std::string method;
  std::string target;  // path plus query, as sent
  std::string body;
  std::string remote;  // peer "ip:port"
  std::string host;    // the Host header as sent (may be empty); for absolute links
};

struct HttpResponse {
  unsigned status = 200;
  std::string body;
  std::string content_type = "application/json";
};

// May be called from any thread; only the first call counts. It keeps
// its connection alive, so it must not outlive the io_context.
using Responder = std::function<void(HttpResponse)>;
using HttpHandler = std::function<void(HttpRequest, Responder)>;

struct HttpLimits {
  size_t max_body = 64 * 1024;
  size_t max_header = 8 * 1024;
  std::chrono::seconds read_timeout{15};  // a whole request, and a whole response write
  size_t max_connections = 512;
};

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& ioc, HttpHandler handler, HttpLimits limits = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // "127.0.0.1:8640" or "[::1]:8640"; port 0 picks a free port. Returns the bound port.
  Result<uint16_t> listen(const std::string& host_port);
  // Stop accepting and close all connections; safe from any thread.
  void stop();
  size_t connection_count() const;

 private:
  std::shared_ptr<detail::HttpServerState> state_;  // shared with live connections
};

// "host:port" or "[v6]:port" -> (host without brackets, port).
Result<std::pair<std::string, uint16_t>> parse_host_port(const std::string& host_port);

}  // namespace nl::node
