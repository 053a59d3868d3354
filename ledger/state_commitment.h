// The state commitment: a sparse Merkle tree over the committed entries,
// keyed by tagged_hash(kStateKey, key). A leaf sits at the shallowest depth
// where its key hash is unique, so a tree of n entries is ~log2(n) deep and
// one changed entry costs O(log n) hashes. Empty subtrees hash to zero.
//   leaf  = tagged_hash(kStateLeaf, key_hash || tagged_hash(kStateLeaf, value))
//   inner = tagged_hash(kStateNode, left || right)
#pragma once
#include <memory>
#include <optional>
#include <vector>

#include "crypto/hash.h"
#include "crypto/result.h"
#include "ledger/canonical.h"

namespace nl::ledger {

struct StateProof {
  // Siblings from the root down to the leaf's depth; zero hashes are
  // omitted and marked by a clear bit in `present` (bit i = depth i).
  std::vector<uint8_t> present;  // ceil(depth / 8) bytes
  uint16_t depth = 0;
  std::vector<crypto::Hash32> siblings;

  void encode(Writer& w) const;
  static StateProof decode(Reader& r);
};

class StateCommitment {
 public:
  StateCommitment();
  ~StateCommitment();
  StateCommitment(StateCommitment&&) noexcept;
  StateCommitment& operator=(StateCommitment&&) noexcept;

  void put(ByteView key, ByteView value);
  void erase(ByteView key);
  crypto::Hash32 root() const;
  size_t size() const;
  // Membership proof for a present key.
  std::optional<StateProof> prove(ByteView key) const;

 private:
  struct Node;
  std::unique_ptr<Node> root_;
  size_t size_ = 0;
};

// True when (key, value) is an entry of the tree whose root is `root`.
bool verify_state_proof(const crypto::Hash32& root, ByteView key, ByteView value,
                        const StateProof& proof);

}  // namespace nl::ledger
