// A plain binary Merkle root over an ordered list of leaf hashes (the
// transaction root). An odd node is promoted unchanged; the empty list
// has the zero hash.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "crypto/hash.h"

namespace nl::crypto {

Hash32 merkle_root(std::string_view node_tag, std::vector<Hash32> leaves);

// The siblings that lead leaf `index` of `leaves` to the root, bottom-up.
// A level where the leaf's node is the promoted odd one has no sibling.
std::vector<Hash32> merkle_path(std::string_view node_tag, std::vector<Hash32> leaves, size_t index);

// The root that `leaf`, at `index` of `count` leaves, reaches through `path`;
// nullopt when index >= count or the path's length does not fit (index,
// count), so one inclusion has one encoding.
std::optional<Hash32> merkle_root_from_path(std::string_view node_tag, const Hash32& leaf, uint64_t index,
                                            uint64_t count, const std::vector<Hash32>& path);

}  // namespace nl::crypto
