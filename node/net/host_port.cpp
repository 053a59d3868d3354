#include "node/net/host_port.h"

#include <algorithm>
#include <cctype>

namespace nl::node {

Result<std::pair<std::string, uint16_t>> parse_host_port(const std::string& s) {
  auto not_host_port = [&] { return fail("'" + s + "' is not HOST:PORT"); };
  std::string host, port;
  if (!s.empty() && s[0] == '[') {
    auto close = s.find(']');
    if (close == std::string::npos || close + 1 >= s.size() || s[close + 1] != ':') return not_host_port();
    host = s.substr(1, close - 1);
    port = s.substr(close + 2);
  } else {
    auto colon = s.rfind(':');
    if (colon == std::string::npos) return not_host_port();
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
    if (host.find(':') != std::string::npos)
      return fail("'" + s + "' is not HOST:PORT (write IPv6 addresses as [ADDRESS]:PORT)");
  }
  if (host.empty() || port.empty()) return not_host_port();
  for (char c : host)
    if (std::isspace(static_cast<unsigned char>(c)) || c == '[' || c == ']' || c == '/') return not_host_port();
  if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return fail("'" + s + "': port '" + port + "' is not a number");
  unsigned long value = port.size() > 5 ? 65536 : std::stoul(port);
  if (value > 65535) return fail("'" + s + "': port " + port + " is out of range (0-65535)");
  return std::make_pair(host, static_cast<uint16_t>(value));
}

}  // namespace nl::node
