// Block times in messages: RFC 3339 in UTC ("2027-01-01T00:00:00Z").
#pragma once
#include <cstdint>
#include <string>

namespace nl::ledger {

std::string rfc3339(uint64_t unix_seconds);

}  // namespace nl::ledger
