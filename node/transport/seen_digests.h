// A bounded set of message digests already handled, so that gossip
// forwards each message once: the oldest digests leave first when full.
// Thread-safe.
#pragma once
#include <cstddef>
#include <deque>
#include <mutex>
#include <set>

#include "crypto/hash.h"

namespace nl::node {

class SeenDigests {
 public:
  explicit SeenDigests(size_t capacity = 100000) : capacity_(capacity) {}
  // True the first time `d` is inserted (while it is remembered).
  bool insert(const crypto::Hash32& d);
  bool contains(const crypto::Hash32& d) const;
  size_t size() const;

 private:
  const size_t capacity_;
  mutable std::mutex m_;
  std::set<crypto::Hash32> set_;
  std::deque<crypto::Hash32> order_;
};

}  // namespace nl::node
