// An upgrade to /p2p refused before any WebSocket is made (banned address,
// too many peers, node stopping): a short plain-text HTTP answer on the
// handed-over stream, then the connection closes. Bounded in time, so a
// client that never reads cannot hold the socket.
#pragma once
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/status.hpp>
#include <string>

namespace nl::node {

void refuse_upgrade(boost::beast::tcp_stream&& stream, boost::beast::http::status status, std::string reason,
                    unsigned http_version);

}  // namespace nl::node
