#include "node/http/api_paging.h"

namespace nl::node {

std::optional<std::string> query_param(std::string_view query, std::string_view name) {
  for (size_t at = 0; at <= query.size();) {
    size_t end = std::min(query.find('&', at), query.size());
    std::string_view param = query.substr(at, end - at);
    if (param.size() > name.size() && param.substr(0, name.size()) == name && param[name.size()] == '=')
      return std::string(param.substr(name.size() + 1));
    at = end + 1;
  }
  return std::nullopt;
}

Result<PageRequest> parse_page(std::string_view query, CursorList list) {
  PageRequest p;
  if (auto l = query_param(query, "limit")) {
    if (l->empty() || l->size() > 7 || l->find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(*l) == 0 || std::stoul(*l) > kMaxPageLimit)
      return fail("limit must be 1-" + std::to_string(kMaxPageLimit));
    p.limit = std::stoul(*l);
  }
  if (auto c = query_param(query, "cursor")) {
    auto bytes = from_hex(*c);
    if (!bytes || bytes->empty() || bytes->size() > 512)
      return fail("cursor is not one this API gave out (pass next_cursor unchanged)");
    if ((*bytes)[0] != static_cast<uint8_t>(list))
      return fail("cursor belongs to another list (pass the next_cursor of this endpoint)");
    p.cursor = Bytes(bytes->begin() + 1, bytes->end());
  }
  return p;
}

std::string make_cursor(CursorList list, ByteView position) {
  Bytes b{static_cast<uint8_t>(list)};
  b.insert(b.end(), position.begin(), position.end());
  return to_hex(b);
}

}  // namespace nl::node
