#include "ledger/time_text.h"

#include <ctime>
#include <string>

namespace nl::ledger {

std::string rfc3339(uint64_t unix_seconds) {
  std::time_t tt = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  if (!gmtime_r(&tt, &tm)) return std::to_string(unix_seconds);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace nl::ledger
