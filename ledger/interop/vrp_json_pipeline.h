// each_vrp_json (vrp.h) with the parsing on another thread: the entries
// are parsed there, a batch at a time, and handed to `restart` and
// `entry` here, in file order, so the caller's work on one entry overlaps
// the parsing of the next ones. At full size (800k VRPs) the parse is a
// third of the VRP pass.
#pragma once
#include <cstdint>
#include <functional>
#include <iosfwd>

#include "crypto/basics/result.h"
#include "ledger/interop/vrp.h"

namespace nl::ledger {

// At most this many entries are parsed and not yet handed on (about
// 100 bytes each): the parser waits for the caller beyond it.
inline constexpr size_t kVrpBatch = 4096, kVrpBatchesAhead = 16;

// The same calls, in the same order, and the same result as
// each_vrp_json(in, restart, entry).
Status each_vrp_json_parallel(std::istream& in, const std::function<void()>& restart,
                              const std::function<void(uint64_t, Result<Vrp>&&)>& entry);

}  // namespace nl::ledger
