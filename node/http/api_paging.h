// Paging for the API's lists: ?limit=N&cursor=C. A page answers at most
// `limit` entries and, when more follow, "next_cursor"; the next page is
// the same request with cursor=<next_cursor>. A cursor is opaque to
// clients: hex of a tag naming its list and the position the page ended
// on, so pages stay correct while blocks commit between them (an entry
// added or removed behind the cursor is not revisited). Numbers and
// reasons are in whitepaper/security.md.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/basics/bytes.h"
#include "crypto/basics/result.h"

namespace nl::node {

inline constexpr size_t kDefaultPageLimit = 100;
inline constexpr size_t kMaxPageLimit = 1000;

// Which list a cursor belongs to; a cursor of one list is refused by another.
enum class CursorList : uint8_t { history = 'h', account = 'a', authorizations = 'z', resource = 'r', evidence = 'e' };

struct PageRequest {
  size_t limit = kDefaultPageLimit;
  std::optional<Bytes> cursor;  // the position, without its tag
};

// The value of `name` in a query string ("a=1&b=2"), nullopt when absent.
std::optional<std::string> query_param(std::string_view query, std::string_view name);

// Reads limit (1..kMaxPageLimit) and cursor; the error names the parameter.
Result<PageRequest> parse_page(std::string_view query, CursorList list);

std::string make_cursor(CursorList list, ByteView position);

}  // namespace nl::node
