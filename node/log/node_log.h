// numledgerd's log: one event per line on stderr, through spdlog, at a
// level (--log-level) and in a format (--log-format) the operator picks.
//   text: 2026-12-05T23:30:00.123Z info numledgerd: committed height 5: ... height=5
//   json: {"time":"2026-12-05T23:30:00.123Z","level":"info","msg":"committed height 5: ...","height":5}
// Fields (height, peer, tx) go with the events they apply to, so tools can
// filter without parsing the message. The consensus trace is at debug.
// Until configure() runs (and in tests that never call it) the log is
// text at info.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/basics/result.h"

namespace nl::node::logging {

enum class Level { trace, debug, info, warn, error, off };

struct Fields {
  std::optional<uint64_t> height;
  std::string peer;  // a node key (its first 16 hex digits) or "ip:port"
  std::string tx;    // a transaction id
};

// From --log-level (trace|debug|info|warn|error|off) and --log-format
// (text|json); an unknown word is an error naming the choices.
Status configure(std::string_view level, std::string_view format);

bool enabled(Level level);
void write(Level level, std::string_view message, const Fields& fields = {});

inline void debug(std::string_view m, const Fields& f = {}) { write(Level::debug, m, f); }
inline void info(std::string_view m, const Fields& f = {}) { write(Level::info, m, f); }
inline void warn(std::string_view m, const Fields& f = {}) { write(Level::warn, m, f); }
inline void error(std::string_view m, const Fields& f = {}) { write(Level::error, m, f); }

}  // namespace nl::node::logging
