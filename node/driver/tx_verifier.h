// Signature checks of gossiped transactions, off the peers' strands: a
// connection's frames are handled in order, so a proposal queued behind a
// burst of transactions would otherwise wait for every one of their
// Ed25519 checks (and for the state lock a commit holds). Worker threads,
// at a lower scheduling priority so that consensus and I/O keep their
// share of a busy machine, run the queued checks. The queue is bounded:
// past it, submit() refuses and the caller drops the copy, as a full
// mempool would.
#pragma once
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>


namespace nl::node {

class TxVerifier {
 public:
  using Job = std::function<void()>;
  TxVerifier(size_t threads, size_t max_queued);
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
  mutable std::mutex m_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace nl::node
