// The chain and the lock that guards it, owned together. The consensus
// driver, its only writer, changes state under write_lock(); the API, RDAP,
// whois, RTR and the peer network read under read_lock(). The driver's own
// reads on its strand need no lock, since nothing else writes.
#pragma once
#include <memory>
#include <mutex>
#include <shared_mutex>

#include "ledger/chain.h"
#include "ledger/genesis_dates.h"

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
  // The genesis's registration dates, indexed on first use (RDAP and whois
  // need them; a validator that serves neither never pays for the index).
  const ledger::GenesisDates& genesis_dates() const {
    std::call_once(dates_once_, [this] { dates_ = std::make_unique<ledger::GenesisDates>(chain_.genesis()); });
    return *dates_;
  }

 private:
  ledger::Chain& chain_;
  mutable std::shared_mutex mutex_;
  mutable std::once_flag dates_once_;
  mutable std::unique_ptr<const ledger::GenesisDates> dates_;
};

}  // namespace nl::node
