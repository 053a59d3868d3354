#include "node/driver/parallel_signature_check.h"

#include <algorithm>
#include <atomic>
#include <system_error>
#include <thread>

namespace nl::node {

std::vector<char> check_signatures_parallel(const std::vector<const ledger::Transaction*>& txs, size_t threads) {
  std::vector<char> ok(txs.size(), 0);
  // A thread costs tens of microseconds to start, about one Ed25519 check:
  // not worth it for a handful.
  constexpr size_t kPerThread = 32;
  const size_t workers = std::clamp<size_t>(txs.size() / kPerThread, 1, std::max<size_t>(threads, 1));
  // Small chunks from a shared counter: a thread the scheduler starves does
  // not leave a fixed share undone.
  constexpr size_t kChunk = 16;
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (;;) {
      const size_t from = next.fetch_add(kChunk);
      if (from >= txs.size()) return;
      const size_t to = std::min(from + kChunk, txs.size());
      for (size_t i = from; i < to; ++i) ok[i] = txs[i]->check_signatures().ok() ? 1 : 0;
    }
  };
  std::vector<std::jthread> helpers;
  helpers.reserve(workers - 1);
  for (size_t i = 1; i < workers; ++i) {
    try {
      helpers.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // no thread to be had: the caller does the rest
    }
  }
  work();
  helpers.clear();  // joins: their last chunks are written before ok is returned
  return ok;
}

}  // namespace nl::node
