#include "node/net/tcp_server.h"

#include "node/net/tcp_server_core.h"

namespace nl::node {

TcpServer::TcpServer(std::shared_ptr<TcpServerCore> core) : core_(std::move(core)) {}

TcpServer::~TcpServer() { core_->stop(); }

Result<uint16_t> TcpServer::listen(const std::string& host_port) { return core_->listen(host_port); }

void TcpServer::stop() { core_->stop(); }

size_t TcpServer::connection_count() const { return core_->connection_count(); }

}  // namespace nl::node
