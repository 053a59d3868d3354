#include "consensus/sim/verify_cache.h"

#include <cstring>

namespace nl::consensus::sim {

size_t VerifyCache::DigestHash::operator()(const crypto::Hash32& h) const {
  size_t v;
  std::memcpy(&v, h.b.data(), sizeof v);  // SHA-256 output is already uniform
  return v;
}

bool VerifyCache::verify(const crypto::PublicKey& key, ByteView message, const crypto::Signature& sig) {
  crypto::TaggedHasher h("numledger/sim-verify-memo");
  const crypto::Hash32 digest = h.add(ByteView(key.b)).add(message).add(ByteView(sig.b)).finish();
  if (auto it = memo_.find(digest); it != memo_.end()) {
    ++hits_;
    return it->second;
  }
  ++verifications_;
  const bool ok = crypto::verify(key, message, sig);
  memo_.emplace(digest, ok);
  return ok;
}

bool VerifyCache::verify_uncached(const crypto::PublicKey& key, ByteView message, const crypto::Signature& sig) {
  ++verifications_;
  return crypto::verify(key, message, sig);
}

VerifyFn make_verify_fn(VerifyCache& cache, bool memoize) {
  if (memoize)
    return [&cache](const crypto::PublicKey& k, ByteView m, const crypto::Signature& s) {
      return cache.verify(k, m, s);
    };
  // Unmemoised: every receiver pays for its own check, as a real node does.
  return [&cache](const crypto::PublicKey& k, ByteView m, const crypto::Signature& s) {
    return cache.verify_uncached(k, m, s);
  };
}

}  // namespace nl::consensus::sim
