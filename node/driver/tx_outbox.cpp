#include "node/driver/tx_outbox.h"

#include "node/driver/driver_timer.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <utility>

namespace nl::node {

namespace {
using Clock = DriverClock;
using Batch = std::vector<ledger::Transaction>;

TxOutbox::Options clamped(TxOutbox::Options o) {
  o.flush_txs = std::clamp<size_t>(o.flush_txs, 1, p2p::kMaxTxsPerFrame);
  // A batch is sent before a transaction that would take it past the bound
  // joins it, so a lone transaction (at most kMaxTxBytes) always fits.
  o.flush_bytes = std::min(o.flush_bytes, p2p::kMaxTxsPayloadBytes);
  return o;
}
}  // namespace

struct TxOutbox::State : std::enable_shared_from_this<TxOutbox::State> {
  State(boost::asio::io_context& ioc, Options o, Send s)
      : opts(clamped(o)), send(std::move(s)), strand(boost::asio::make_strand(ioc)), timer(strand) {}

  struct Box {
    Batch txs;
    size_t bytes = 0;
    Clock::time_point due;  // flush_delay after its first transaction
  };

  const Options opts;
  const Send send;
  boost::asio::strand<boost::asio::io_context::executor_type> strand;
  DriverTimer timer;  // strand only

  mutable std::mutex mu;  // guards what follows
  std::condition_variable idle;
  std::map<PeerId, Box> boxes;  // only non-empty ones
  // Batches taken from their boxes, in the order taken. One thread at a
  // time sends them, so that each peer gets its batches in that order.
  std::deque<std::pair<PeerId, Batch>> ready;
  bool draining = false;     // some thread is sending `ready`
  bool timer_armed = false;  // a wait is set or about to be
  bool stopped = false;

  // Under `mu`: the box's batch, queued to be sent; the box left empty.
  void take(PeerId peer, Box& b) {
    ready.emplace_back(peer, std::move(b.txs));
    b.txs.clear();
    b.bytes = 0;
  }

  // With `lk` held: sends what is ready, unless another thread already is
  // (it will send this too). The lock is released around each send.
  void drain(std::unique_lock<std::mutex>& lk) {
    if (draining) return;
    draining = true;
    struct Done {
      State& s;
      ~Done() {  // with the lock held again, also when a send throws
        s.draining = false;
        s.idle.notify_all();
      }
    } done{*this};
    while (!stopped && !ready.empty()) {
      auto [peer, batch] = std::move(ready.front());
      ready.pop_front();
      lk.unlock();
      try {
        send(peer, std::move(batch));
      } catch (...) {
        lk.lock();
        throw;
      }
      lk.lock();
    }
  }

  // On the strand: waits until the earliest box is due.
  void arm() {
    Clock::time_point earliest = Clock::time_point::max();
    {
      std::lock_guard lk(mu);
      for (const auto& [peer, b] : boxes) earliest = std::min(earliest, b.due);
      if (stopped || boxes.empty()) {
        timer_armed = false;
        return;
      }
    }
    timer.expires_at(earliest);
    timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      if (ec) return;
      if (auto self = weak.lock()) self->fire();
    });
  }

  // On the strand: sends the boxes that are due, then waits for the next.
  void fire() {
    bool more = false;
    {
      std::unique_lock lk(mu);
      if (stopped) {
        timer_armed = false;
        return;
      }
      const auto now = Clock::now();
      for (auto it = boxes.begin(); it != boxes.end();) {
        if (it->second.due <= now) {
          take(it->first, it->second);
          it = boxes.erase(it);
        } else {
          ++it;
        }
      }
      more = !boxes.empty();
      if (!more) timer_armed = false;
      drain(lk);
    }
    if (more) arm();
  }
};

TxOutbox::TxOutbox(boost::asio::io_context& ioc, Options opts, Send send)
    : state_(std::make_shared<State>(ioc, opts, std::move(send))) {}

TxOutbox::~TxOutbox() { stop(); }

bool TxOutbox::add(const std::vector<PeerId>& peers, const ledger::Transaction& tx) {
  const size_t bytes = tx.encode().size();
  if (bytes > ledger::kMaxTxBytes) return false;
  State& s = *state_;
  const bool at_once = s.opts.flush_delay.count() <= 0;
  bool arm = false;
  {
    std::unique_lock lk(s.mu);
    if (s.stopped) return false;
    const auto now = Clock::now();
    for (PeerId peer : peers) {
      auto it = s.boxes.try_emplace(peer).first;
      State::Box& b = it->second;
      if (!b.txs.empty() && b.bytes + bytes > s.opts.flush_bytes) s.take(peer, b);
      if (b.txs.empty()) b.due = now + s.opts.flush_delay;
      b.txs.push_back(tx);
      b.bytes += bytes;
      if (at_once || b.txs.size() >= s.opts.flush_txs) {
        s.take(peer, b);
        s.boxes.erase(it);
      } else if (!s.timer_armed) {
        s.timer_armed = arm = true;
      }
    }
    s.drain(lk);
  }
  if (arm)
    boost::asio::post(s.strand, [weak = std::weak_ptr<State>(state_)] {
      if (auto self = weak.lock()) self->arm();
    });
  return true;
}

void TxOutbox::drop_peer(PeerId peer) {
  std::lock_guard lk(state_->mu);
  state_->boxes.erase(peer);
}

void TxOutbox::stop() {
  std::unique_lock lk(state_->mu);
  state_->stopped = true;
  state_->boxes.clear();
  state_->ready.clear();
  state_->idle.wait(lk, [&] { return !state_->draining; });
}

size_t TxOutbox::pending(PeerId peer) const {
  std::lock_guard lk(state_->mu);
  auto it = state_->boxes.find(peer);
  return it == state_->boxes.end() ? 0 : it->second.txs.size();
}

size_t TxOutbox::pending_peers() const {
  std::lock_guard lk(state_->mu);
  return state_->boxes.size();
}

}  // namespace nl::node
