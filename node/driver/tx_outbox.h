// Per-peer batches of transactions to gossip: instead of one frame per
// transaction per peer, each peer's transactions wait in its own batch,
// which goes out as one txs frame when it holds flush_txs of them, would
// pass the frame's byte cap, or flush_delay after its first transaction,
// whichever comes first. Batches exist only while they hold something, so
// a peer that left costs nothing after its batch went (drop_peer() drops it
// at once).
//
// add() is called from any thread (API handlers, verifier workers). The
// mutex guards the batches only and is never held while sending: a full
// batch is sent by the thread that filled it, a due one by the timer on the
// outbox's own strand, unless another thread is sending already, which
// then sends it too: batches leave one at a time in the order they were
// taken, so each peer gets its transactions in the order added. After
// stop() returns nothing more is sent.
#pragma once
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include "ledger/transaction.h"
#include "node/transport/p2p_message.h"
#include "node/transport/transport.h"

namespace nl::node {

class TxOutbox {
 public:
  struct Options {
    size_t flush_txs = 512;  // 1..p2p::kMaxTxsPerFrame
    std::chrono::milliseconds flush_delay{5};  // <= 0: every transaction goes at once
    size_t flush_bytes = p2p::kMaxTxsPayloadBytes;  // encodings per batch, at most kMaxTxsPayloadBytes
  };
  // Sends one batch (1..flush_txs transactions, in the order added) to a
  // peer. Must not call back into the outbox's stop().
  using Send = std::function<void(PeerId peer, std::vector<ledger::Transaction> batch)>;

  TxOutbox(boost::asio::io_context& ioc, Options opts, Send send);
  ~TxOutbox();  // stops
  TxOutbox(const TxOutbox&) = delete;
  TxOutbox& operator=(const TxOutbox&) = delete;

  // Queues `tx` for each of `peers`. False, with nothing queued, once
  // stopped or for a transaction over ledger::kMaxTxBytes (no txs frame
  // could carry it). Any thread.
  bool add(const std::vector<PeerId>& peers, const ledger::Transaction& tx);
  // The peer left: its waiting batch is dropped. Any thread.
  void drop_peer(PeerId peer);
  // Drops every waiting batch, refuses what comes later, and waits for a
  // send in progress. Any thread but the Send callback's; safe twice.
  void stop();

  size_t pending(PeerId peer) const;  // transactions waiting for that peer
  size_t pending_peers() const;       // peers with a waiting batch

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace nl::node
