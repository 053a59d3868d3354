#include "node/transport/seen_digests.h"

namespace nl::node {

bool SeenDigests::insert(const crypto::Hash32& d) {
  std::lock_guard lk(m_);
  if (!set_.insert(d).second) return false;
  order_.push_back(d);
  while (order_.size() > capacity_) {
    set_.erase(order_.front());
    order_.pop_front();
  }
  return true;
}

bool SeenDigests::contains(const crypto::Hash32& d) const {
  std::lock_guard lk(m_);
  return set_.contains(d);
}

size_t SeenDigests::size() const {
  std::lock_guard lk(m_);
  return set_.size();
}

}  // namespace nl::node
