// Test data for the state tree: numbered keys and values, the root computed
// from its definition, and proof bytes.
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "crypto/domain_tags.h"
#include "crypto/hash.h"
#include "ledger/canonical.h"
#include "ledger/state_commitment.h"

namespace nl::test::state_tree_data {

using crypto::Hash32;
using ledger::Reader;
using ledger::StateCommitment;
using ledger::StateProof;
using ledger::Writer;

inline Bytes key_of(uint64_t id) {
  Writer w;
  w.u8('H').u64(id);
  return w.take();
}

inline Bytes value_of(uint64_t id, uint64_t version = 0) {
  std::string s = "value-" + std::to_string(id) + "-v" + std::to_string(version);
  return Bytes(s.begin(), s.end());
}

inline Hash32 kh_of(ByteView key) { return crypto::tagged_hash(tags::kStateKey, key); }

inline Hash32 leaf_of(ByteView key, ByteView value) {
  return crypto::TaggedHasher(tags::kStateLeaf)
      .add(kh_of(key))
      .add(crypto::tagged_hash(tags::kStateLeaf, value))
      .finish();
}

inline unsigned bit_at(const Hash32& h, unsigned i) { return (h.b[i / 8] >> (7 - i % 8)) & 1u; }

// The definition of the root, computed from scratch: an empty set is zero,
// a single entry is its leaf, otherwise split on the next key-hash bit.
inline Hash32 reference_root(const std::vector<std::pair<Hash32, Hash32>>& entries, unsigned depth = 0) {
  if (entries.empty()) return Hash32{};
  if (entries.size() == 1) return entries[0].second;
  std::vector<std::pair<Hash32, Hash32>> side[2];
  for (const auto& e : entries) side[bit_at(e.first, depth)].push_back(e);
  return crypto::tagged_hash2(tags::kStateNode, reference_root(side[0], depth + 1),
                              reference_root(side[1], depth + 1));
}

inline Hash32 reference_root(const std::map<uint64_t, uint64_t>& model) {
  std::vector<std::pair<Hash32, Hash32>> entries;
  for (auto [id, ver] : model) entries.emplace_back(kh_of(key_of(id)), leaf_of(key_of(id), value_of(id, ver)));
  return reference_root(entries);
}

inline StateCommitment build(const std::vector<uint64_t>& ids) {
  StateCommitment t;
  for (uint64_t id : ids) t.put(key_of(id), value_of(id));
  t.flush();
  return t;
}

inline std::vector<uint64_t> iota_ids(uint64_t n) {
  std::vector<uint64_t> ids(n);
  for (uint64_t i = 0; i < n; ++i) ids[i] = i;
  return ids;
}

inline Bytes encode(const StateProof& p) {
  Writer w;
  p.encode(w);
  return w.take();
}

inline StateProof decode(const Bytes& b) {
  Reader r(b);
  StateProof p = StateProof::decode(r);
  r.expect_done();
  return p;
}


}  // namespace nl::test::state_tree_data
