#include "crypto/merkle.h"

#include <utility>

namespace nl::crypto {

Hash32 merkle_root(std::string_view node_tag, std::vector<Hash32> leaves) {
  if (leaves.empty()) return Hash32{};
  // Reduce level by level in place; the last node of an odd level moves up
  // unchanged rather than being paired with a copy of itself, which avoids
  // the duplicate-leaf ambiguity of Bitcoin's tree.
  size_t n = leaves.size();
  while (n > 1) {
    size_t out = 0;
    for (size_t i = 0; i + 1 < n; i += 2) leaves[out++] = tagged_hash2(node_tag, leaves[i], leaves[i + 1]);
    if (n % 2) leaves[out++] = leaves[n - 1];
    n = out;
  }
  return leaves[0];
}

}  // namespace nl::crypto
