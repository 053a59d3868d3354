// The checks one VRP's fields go through, shared by the json and csv
// readers of vrp.h (internal to ledger/interop).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/basics/result.h"
#include "ledger/interop/vrp.h"

namespace nl::ledger {

// "AS" and 1-10 digits, no leading zero, at most AS4294967295.
Result<uint32_t> parse_as_text(std::string_view text);

// A VRP from its fields, or why they make none: the prefix must be CIDR,
// maxLength between its length and the family's bits, `ta` a name
// check_trust_anchor accepts.
Result<Vrp> make_vrp(uint32_t asn, std::string_view prefix_text, uint64_t max_length, std::string ta);

}  // namespace nl::ledger
