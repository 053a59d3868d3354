// A hash for in-memory hash tables whose keys others choose (account keys,
// which anyone can grind): SipHash-2-4 under a key drawn once per process,
// so nobody can aim many keys at one bucket. Never stored or sent; the
// value differs from run to run.
#pragma once
#include <cstdint>

#include "crypto/basics/bytes.h"

namespace nl::crypto {

uint64_t keyed_hash64(ByteView data);

}  // namespace nl::crypto
