#include "ledger/snapshot_chunk.h"

#include <string>

#include "ledger/state_tree_hashes.h"

namespace nl::ledger {

void SnapshotChunk::encode(Writer& w) const {
  w.u8(bits).u32(index);
  proof.encode(w);
}

SnapshotChunk SnapshotChunk::decode(Reader& r) {
  SnapshotChunk c;
  c.bits = r.u8();
  if (c.bits > kMaxChunkBits)
    throw DecodeError("snapshot chunk cut in " + std::to_string(c.bits) + " bits; at most " +
                      std::to_string(kMaxChunkBits) + " are accepted");
  c.index = r.u32();
  if (c.index >> c.bits != 0)
    throw DecodeError("snapshot chunk index " + std::to_string(c.index) + " is beyond the " +
                      std::to_string(1u << c.bits) + " chunks of its cut");
  c.proof = StateMultiproof::decode(r, kMaxChunkValueBytes);
  return c;
}

uint32_t key_hash_prefix(const crypto::Hash32& kh, uint8_t bits) {
  uint32_t p = 0;
  for (unsigned i = 0; i < bits; ++i) p = (p << 1) | state_tree::bit_at(kh, i);
  return p;
}

Result<uint8_t> choose_chunk_bits(const std::vector<crypto::Hash32>& sorted) {
  if (sorted.empty()) return fail("the state is empty: there is nothing to snapshot");
  uint8_t bits = 0;
  while (bits < kMaxChunkBits && (sorted.size() >> (bits + 1)) >= kChunkTargetEntries) ++bits;
  // Fewer bits until no chunk is empty: a chunk's proof needs an entry.
  for (;; --bits) {
    std::vector<uint32_t> counts(size_t{1} << bits, 0);
    for (const auto& kh : sorted) ++counts[key_hash_prefix(kh, bits)];
    bool empty = false;
    uint32_t densest = 0;
    for (uint32_t n : counts) {
      empty = empty || n == 0;
      densest = std::max(densest, n);
    }
    if (!empty || bits == 0) {
      if (densest > kMaxMultiproofEntries)
        return fail("the state cannot be cut in chunks of at most " + std::to_string(kMaxMultiproofEntries) +
                    " entries without an empty one (the densest of " + std::to_string(counts.size()) + " holds " +
                    std::to_string(densest) + ")");
      return bits;
    }
  }
}

namespace {

// Walks the proof's codes (already checked by state_multiproof_root) and
// refuses a subtree given by its hash that may hold a key starting with
// `index`: the chunk would leave entries out.
Status check_covers(const StateMultiproof& p, uint8_t bits, uint32_t index) {
  struct Frame {
    unsigned depth;
    uint32_t prefix;  // the first min(depth, bits) bits of the path
  };
  std::vector<Frame> todo{{0, 0}};
  size_t code = 0;
  while (!todo.empty()) {
    const Frame f = todo.back();
    todo.pop_back();
    if (code == p.codes.size()) return fail("snapshot chunk proof ends in the middle of its walk");
    switch (p.codes[code++]) {
      case StateMultiproof::inner: {
        const bool cut = f.depth < bits;
        todo.push_back({f.depth + 1, cut ? (f.prefix << 1) | 1u : f.prefix});
        todo.push_back({f.depth + 1, cut ? f.prefix << 1 : f.prefix});
        break;
      }
      case StateMultiproof::hash: {
        const unsigned known = std::min<unsigned>(f.depth, bits);
        if ((index >> (bits - known)) == f.prefix)
          return fail("snapshot chunk " + std::to_string(index) + " leaves out part of its range: the proof gives a " +
                      "subtree at depth " + std::to_string(f.depth) + " by its hash only");
        break;
      }
      default:  // an empty subtree, or a leaf whose key was checked
        break;
    }
  }
  return {};
}

}  // namespace

Status verify_snapshot_chunk(const SnapshotChunk& c, const crypto::Hash32& state_root, uint8_t bits,
                             uint32_t expected_index) {
  const std::string name = "snapshot chunk " + std::to_string(expected_index);
  if (c.bits != bits || c.index != expected_index)
    return fail(name + " came as chunk " + std::to_string(c.index) + " of a " + std::to_string(c.bits) +
                "-bit cut, not of the " + std::to_string(bits) + "-bit cut asked for");
  auto root = state_multiproof_root(c.proof);
  if (!root) return fail(name + ": " + root.error());
  if (*root != state_root)
    return fail(name + " does not lead to the certified state root " + state_root.hex() + " (it leads to " +
                root->hex() + ")");
  for (size_t i = 0; i < c.proof.entries.size(); ++i)
    if (key_hash_prefix(state_tree::key_hash(c.proof.entries[i].key), bits) != expected_index)
      return fail(name + " holds entry " + std::to_string(i) + ", whose key hash belongs to another chunk");
  if (auto s = check_covers(c.proof, bits, expected_index); !s) return fail(name + ": " + s.error());
  return {};
}

}  // namespace nl::ledger
