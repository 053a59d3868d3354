// "HOST:PORT" as the servers' --listen flags and the HTTP client take it.
#pragma once
#include <cstdint>
#include <string>
#include <utility>

#include "crypto/basics/result.h"

namespace nl::node {

// "host:port" or "[v6]:port" -> (host without brackets, port).
Result<std::pair<std::string, uint16_t>> parse_host_port(const std::string& host_port);

}  // namespace nl::node
