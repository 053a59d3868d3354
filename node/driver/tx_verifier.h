// Signature checks of gossiped transactions, off the peers' strands: a
// connection's frames are handled in order, so a proposal queued behind a
// burst of transactions would otherwise wait for every one of their
// Ed25519 checks (and for the state lock a commit holds). Worker threads,
// at a lower scheduling priority so that consensus and I/O keep their
// share of a busy machine, run the queued checks. The queue is bounded:
// past it, submit() refuses and the caller drops the copy, as a full
// mempool would. With no worker threads, jobs go to a runner the caller
// gives (a deterministic simulation runs them on its one thread, in order).
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>


namespace nl::node {

class TxVerifier {
 public:
  using Job = std::function<void()>;
  using Runner = std::function<void(Job)>;
  // `runner` is used only when `threads` is 0, and must then be given.
  TxVerifier(size_t threads, size_t max_queued, Runner runner = {});
  ~TxVerifier();  // stops
  TxVerifier(const TxVerifier&) = delete;
  TxVerifier& operator=(const TxVerifier&) = delete;

  // Queues a check to run on a worker. False when the queue is full or the
  // verifier stopped.
  bool submit(Job job);
  // Finishes the transaction in hand, drops the queue, joins the workers.
  void stop();
  size_t queued() const;

 private:
  void run();
  const size_t max_queued_;
  const Runner runner_;
  // Runner mode: false once stopped, so that jobs handed over since do not run.
  std::shared_ptr<std::atomic<bool>> running_ = std::make_shared<std::atomic<bool>>(true);
  mutable std::mutex m_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace nl::node
