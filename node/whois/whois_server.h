// A whois server (RFC 3912) on Boost.Asio: a client sends one query line
// ended by CRLF (a bare LF is accepted), gets the answer, and the server
// closes. Lines are bounded, reads time out, connections are capped (in all
// and per address); input
// that is too long or not printable ASCII gets a "%ERROR:" line, never a
// crash. What a query means is the handler's business (whois_answer.h).
#pragma once
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "crypto/basics/result.h"
#include "node/net/tcp_server.h"

namespace nl::node {

// Gets the query without its line terminator, printable ASCII only;
// returns the whole answer. Runs on a connection's strand.
using WhoisHandler = std::function<std::string(const std::string& query)>;

// The numbers and their reasons are in whitepaper/security.md.
struct WhoisLimits {
  size_t max_line = 1024;                   // query bytes, terminator excluded
  std::chrono::seconds query_timeout{5};    // from accepting to the end of the query line
  std::chrono::seconds write_timeout{10};   // the whole answer
  size_t max_connections = 256;
  size_t max_per_address = 8;  // per IPv4 address or IPv6 /64; 0: no such limit
};

// listen() (an IP address, not a name: "127.0.0.1:4343", "[::1]:4343"),
// stop() and connection_count() are TcpServer's.
class WhoisServer : public TcpServer {
 public:
  WhoisServer(boost::asio::io_context& ioc, WhoisHandler handler, WhoisLimits limits = {});
};

}  // namespace nl::node
