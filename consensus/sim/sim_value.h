// The simulated application: what a proposed value (a "block") is and when
// it is valid. A value is the text
//   sim|<height>|<round>|<proposer>|<16 hex digits of payload>|<ok or bad>
// and its id is SHA-256 of those bytes. valid(v) of the paper holds when the
// text is well formed, names the height it is proposed at, ends in "ok",
// and the id is the hash of the bytes. Byzantine proposers break each rule.
#pragma once
#include <cstdint>

#include "crypto/basics/bytes.h"
#include "crypto/hash.h"

namespace nl::consensus::sim {

struct SimValue {
  crypto::Hash32 id;
  Bytes bytes;
};

crypto::Hash32 value_id(ByteView bytes);

// A value the application accepts at `height`.
SimValue make_value(uint64_t height, uint32_t round, size_t proposer, uint64_t payload);

// Ways a Byzantine proposer builds a value the application must reject.
enum class InvalidKind { marked_bad, wrong_height, wrong_id, garbage };
SimValue make_invalid_value(InvalidKind kind, uint64_t height, uint32_t round, size_t proposer,
                            uint64_t payload);

bool value_is_valid(uint64_t height, const crypto::Hash32& id, ByteView bytes);

}  // namespace nl::consensus::sim
