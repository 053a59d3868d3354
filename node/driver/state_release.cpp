#include "node/driver/state_release.h"

#include <memory>
#include <utility>

namespace nl::node {

StateRelease::StateRelease(size_t max_waiting)
    : max_waiting_(max_waiting), thread_([this](std::stop_token stop) { run(stop); }) {}

StateRelease::~StateRelease() {
  thread_.request_stop();
  cv_.notify_all();
  thread_.join();
}

void StateRelease::release(ledger::StateCommitment::Snapshot&& version) {
  {
    std::lock_guard lock(mu_);
    if (waiting_.size() < max_waiting_) {
      waiting_.push_back(std::move(version));
      cv_.notify_one();
      return;
    }
  }
  ledger::StateCommitment::Snapshot freed_here = std::move(version);  // on the caller's thread
}

void StateRelease::run(std::stop_token stop) {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, stop, [&] { return !waiting_.empty(); });
    if (waiting_.empty()) return;  // stopped with nothing left
    ledger::StateCommitment::Snapshot version = std::move(waiting_.front());
    waiting_.pop_front();
    lock.unlock();
    version = {};  // the nodes are freed here, outside the lock
    lock.lock();
  }
}

void StateRelease::install(ledger::ChainOptions& options, size_t max_waiting) {
  auto release = std::make_shared<StateRelease>(max_waiting);
  options.release_state = [release](ledger::StateCommitment::Snapshot&& version) {
    release->release(std::move(version));
  };
}

}  // namespace nl::node
