#include "node/driver/tx_verifier.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace nl::node {

TxVerifier::TxVerifier(size_t threads, size_t max_queued, Runner runner)
    : max_queued_(max_queued), runner_(std::move(runner)) {
  for (size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { run(); });
}

TxVerifier::~TxVerifier() { stop(); }

bool TxVerifier::submit(Job job) {
  if (workers_.empty() && runner_) {
    if (!*running_) return false;
    runner_([running = running_, job = std::move(job)] {
      if (*running) job();
    });
    return true;
  }
  {
    std::lock_guard lk(m_);
    if (stopping_ || queue_.size() >= max_queued_) return false;
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
  return true;
}

void TxVerifier::stop() {
  *running_ = false;
  {
    std::lock_guard lk(m_);
    if (stopping_ && workers_.empty()) return;
    stopping_ = true;
    queue_.clear();
  }
  cv_.notify_all();
  for (auto& w : workers_)
    if (w.joinable()) w.join();
  workers_.clear();
}

size_t TxVerifier::queued() const {
  std::lock_guard lk(m_);
  return queue_.size();
}

void TxVerifier::run() {
  // Linux: a thread's nice value is its own. Best effort; failure changes nothing else.
  (void)setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 5);
  while (true) {
    Job job;
    {
      std::unique_lock lk(m_);
      cv_.wait(lk, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job();
  }
}

}  // namespace nl::node
