// The chain and the lock that guards it, owned together. The consensus
// driver, its only writer, changes state under write_lock(); the API, RDAP,
// whois, RTR and the peer network read under read_lock(). The driver's own
// reads on its strand need no lock, since nothing else writes.
#pragma once
#include <memory>
#include <mutex>
#include <shared_mutex>

#include "ledger/chain.h"

namespace nl::node {

class SharedChain {
 public:
  explicit SharedChain(ledger::Chain& chain) : chain_(chain) {}
  SharedChain(const SharedChain&) = delete;
  SharedChain& operator=(const SharedChain&) = delete;

  ledger::Chain& chain() { return chain_; }
  const ledger::Chain& chain() const { return chain_; }
  [[nodiscard]] std::shared_lock<std::shared_mutex> read_lock() const { return std::shared_lock(mutex_); }
  [[nodiscard]] std::unique_lock<std::shared_mutex> write_lock() { return std::unique_lock(mutex_); }

 private:
  ledger::Chain& chain_;
  mutable std::shared_mutex mutex_;
};

}  // namespace nl::node
