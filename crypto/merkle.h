// A plain binary Merkle root over an ordered list of leaf hashes (the
// transaction root). An odd node is promoted unchanged; the empty list
// has the zero hash.
#pragma once
#include <string_view>
#include <vector>

#include "crypto/hash.h"

namespace nl::crypto {

Hash32 merkle_root(std::string_view node_tag, std::vector<Hash32> leaves);

}  // namespace nl::crypto
