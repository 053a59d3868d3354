#include "node/driver/synced_signatures.h"

#include <algorithm>
#include <system_error>

#include "node/driver/block_values.h"

namespace nl::node {

namespace {
// Small chunks taken from a shared counter in block order: the caller,
// waiting for one block, takes the next of that block itself rather than
// wait behind a helper's long share.
constexpr size_t kChunk = 16;
// A thread costs tens of microseconds to start, about one Ed25519 check:
// not worth it for a handful.
constexpr size_t kPerThread = 32;
}  // namespace

SyncedSignatures::SyncedSignatures(const Mempool& mempool, const std::vector<p2p::CertifiedBlock>& answer,
                                   size_t threads, uint64_t tip) {
  uint64_t next = tip + 1;
  for (size_t b = 0; b < answer.size(); ++b) {
    const ledger::Block& block = answer[b].block;
    first_.push_back(to_check_.size());
    const uint64_t h = block.header.height;
    if (h != next) {
      flags_.emplace_back(block.txs.size(), 0);
      if (h > next) next = UINT64_MAX;  // a gap: nothing after it applies
    } else {
      ++next;
      flags_.push_back(verified_by(mempool, block));
      for (size_t i = 0; i < block.txs.size(); ++i)
        if (!flags_[b][i]) {
          to_check_.push_back(&block.txs[i]);
          where_.emplace_back(b, i);
        }
    }
    end_.push_back(to_check_.size());
  }
  final_.assign(answer.size(), 0);
  ok_.assign(to_check_.size(), 0);
  chunks_ = (to_check_.size() + kChunk - 1) / kChunk;
  done_ = std::make_unique<std::atomic<bool>[]>(chunks_);
  const size_t helpers = std::min(threads > 0 ? threads - 1 : 0, to_check_.size() / kPerThread);
  helpers_.reserve(helpers);
  for (size_t i = 0; i < helpers; ++i) {
    try {
      helpers_.emplace_back([this] { take_chunks(chunks_); });
    } catch (const std::system_error&) {
      break;  // no thread to be had: the caller does the rest
    }
  }
}

SyncedSignatures::~SyncedSignatures() {
  stop_.store(true);
  helpers_.clear();  // joins
}

void SyncedSignatures::check_chunk(size_t c) {
  const size_t to = std::min((c + 1) * kChunk, to_check_.size());
  for (size_t i = c * kChunk; i < to; ++i) ok_[i] = to_check_[i]->check_signatures().ok() ? 1 : 0;
  done_[c].store(true, std::memory_order_release);
  done_[c].notify_all();
}

void SyncedSignatures::take_chunks(size_t until) {
  size_t c = next_.load();
  while (c < until && !stop_.load(std::memory_order_relaxed)) {
    if (next_.compare_exchange_weak(c, c + 1)) {
      check_chunk(c);
      c = next_.load();
    }
  }
}

const ledger::TxsVerified& SyncedSignatures::block(size_t b) {
  if (final_.at(b)) return flags_[b];
  if (end_[b] > first_[b]) {
    const size_t from = first_[b] / kChunk, until = (end_[b] + kChunk - 1) / kChunk;
    take_chunks(until);
    for (size_t c = from; c < until; ++c) done_[c].wait(false, std::memory_order_acquire);
    for (size_t i = first_[b]; i < end_[b]; ++i) flags_[b][where_[i].second] = ok_[i];
  }
  final_[b] = 1;
  return flags_[b];
}

std::vector<ledger::TxsVerified> SyncedSignatures::all() {
  for (size_t b = 0; b < flags_.size(); ++b) block(b);
  return flags_;
}

}  // namespace nl::node
