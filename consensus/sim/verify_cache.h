// Signature checks shared by all the nodes of one simulation. Every
// broadcast vote is verified by each of the N - 1 receivers; Ed25519
// verification is a deterministic function of (key, message, signature), so
// remembering its answer under a collision-resistant digest of the three
// gives every node the same answer the real check would, at one check per
// distinct signature instead of N - 1.
#pragma once
#include <cstdint>
#include <unordered_map>

#include "consensus/engine.h"
#include "crypto/ed25519.h"
#include "crypto/hash.h"

namespace nl::consensus::sim {

class VerifyCache {
 public:
  bool verify(const crypto::PublicKey& key, ByteView message, const crypto::Signature& sig);
  // The plain check, counted like the memoised one.
  bool verify_uncached(const crypto::PublicKey& key, ByteView message, const crypto::Signature& sig);
  uint64_t verifications() const { return verifications_; }
  uint64_t hits() const { return hits_; }

 private:
  struct DigestHash {
    size_t operator()(const crypto::Hash32& h) const;
  };
  std::unordered_map<crypto::Hash32, bool, DigestHash> memo_;
  uint64_t verifications_ = 0;
  uint64_t hits_ = 0;
};

// The engine's signature check for one simulation: memoised through `cache`
// when `memoize`, else a direct Ed25519 check on every call (still counted).
VerifyFn make_verify_fn(VerifyCache& cache, bool memoize);

}  // namespace nl::consensus::sim
