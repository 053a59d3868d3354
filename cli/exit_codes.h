// Exit codes of the numledger tool. Scripts rely on them, so they are few
// and stable: 1 means "the input or the ledger said no", 2 means "the
// command line itself is wrong" (including malformed argument values).
#pragma once

namespace nl::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // rejected, invalid, not found, unreachable
inline constexpr int kExitUsage = 2;    // unknown command or option, bad or missing argument

}  // namespace nl::cli
