// Reading a SLURM file (RFC 8416 §3) strictly: the exact JSON shape, every
// member required that the RFC requires, no member it does not define (a
// misspelt "maxLength" would otherwise silently mean "no limit"), and no
// name twice in one object. A refusal names the file, the line and column,
// the entry and the reason:
//   slurm.json:12:9: prefixAssertions[3]: maxPrefixLength 20 is shorter than the prefix length 24
// Limits (documented in whitepaper/operations.md, "Local exceptions (SLURM)"):
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/basics/result.h"
#include "ledger/interop/slurm.h"

namespace nl::ledger {

inline constexpr uint64_t kMaxSlurmFileBytes = 16u << 20;  // 16 MiB
inline constexpr const char* kMaxSlurmFileText = "16 MiB";
inline constexpr size_t kMaxSlurmEntries = 100'000;  // in each of the four arrays
inline constexpr int kMaxSlurmDepth = 16;             // JSON nesting

// `name` is the file as the operator named it; it starts every error.
Result<Slurm> parse_slurm(std::string_view text, const std::string& name);

}  // namespace nl::ledger
