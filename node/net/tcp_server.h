// The public face the HTTP and whois servers share: listen on an address,
// stop, count connections; destroying one stops it. What is said on a
// connection is the derived server's: it builds the TcpServerCore.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "crypto/basics/result.h"

namespace nl::node {

class TcpServerCore;

class TcpServer {
 public:
  TcpServer(const TcpServer&) = delete;
  TcpServer& operator=(const TcpServer&) = delete;

  // "127.0.0.1:8640" or "[::1]:8640"; port 0 picks a free port. Returns the bound port.
  Result<uint16_t> listen(const std::string& host_port);
  // Stop accepting and close all connections; safe from any thread.
  void stop();
  size_t connection_count() const;

 protected:
  explicit TcpServer(std::shared_ptr<TcpServerCore> core);
  ~TcpServer();  // stops

 private:
  std::shared_ptr<TcpServerCore> core_;  // shared with its accept loop and live connections
};

}  // namespace nl::node
