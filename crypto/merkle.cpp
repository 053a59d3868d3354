#include "crypto/merkle.h"

#include <utility>

namespace nl::crypto {

namespace {

// One level up, in place; returns the new width.
size_t reduce_level(std::string_view node_tag, std::vector<Hash32>& level, size_t n) {
  size_t out = 0;
  for (size_t i = 0; i + 1 < n; i += 2) level[out++] = tagged_hash2(node_tag, level[i], level[i + 1]);
  if (n % 2) level[out++] = level[n - 1];
  return out;
}

}  // namespace

Hash32 merkle_root(std::string_view node_tag, std::vector<Hash32> leaves) {
  if (leaves.empty()) return Hash32{};
  // Reduce level by level in place; the last node of an odd level moves up
  // unchanged rather than being paired with a copy of itself, which avoids
  // the duplicate-leaf ambiguity of Bitcoin's tree.
  size_t n = leaves.size();
  while (n > 1) n = reduce_level(node_tag, leaves, n);
  return leaves[0];
}

std::vector<Hash32> merkle_path(std::string_view node_tag, std::vector<Hash32> leaves, size_t index) {
  std::vector<Hash32> path;
  size_t n = leaves.size();
  while (n > 1) {
    size_t sibling = index ^ 1u;
    if (sibling < n) path.push_back(leaves[sibling]);
    n = reduce_level(node_tag, leaves, n);
    index /= 2;
  }
  return path;
}

std::optional<Hash32> merkle_root_from_path(std::string_view node_tag, const Hash32& leaf, uint64_t index,
                                            uint64_t count, const std::vector<Hash32>& path) {
  if (index >= count) return std::nullopt;
  Hash32 h = leaf;
  size_t used = 0;
  for (uint64_t n = count; n > 1; n = (n + 1) / 2, index /= 2) {
    if ((index ^ 1u) >= n) continue;  // the promoted odd node
    if (used == path.size()) return std::nullopt;
    const Hash32& s = path[used++];
    h = (index & 1u) ? tagged_hash2(node_tag, s, h) : tagged_hash2(node_tag, h, s);
  }
  if (used != path.size()) return std::nullopt;
  return h;
}

}  // namespace nl::crypto
