// Internal to the peer network: its state, shared by p2p_network.cpp
// (sessions, admission, the public calls) and p2p_network_limits.cpp
// (scores and bans, memory budgets, idle peers). Sessions and diallers do
// their I/O on their own strands and report here; everything here is under
// one mutex, and no callback runs with it held. Callbacks pass a gate that
// stop() closes and drains, so none runs after stop() returns (unless
// stop() is called from inside one).
#pragma once
#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include "node/p2p/p2p_dialer.h"
#include "node/p2p/p2p_handshake.h"
#include "node/p2p/p2p_network.h"
#include "node/p2p/peer_scores.h"
#include "node/p2p/peer_session.h"
#include "node/p2p/peer_slots.h"
#include "node/log/node_log.h"

namespace nl::node {

namespace p2p_impl {
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using Clock = std::chrono::steady_clock;

inline std::string key_prefix(const crypto::PublicKey& k) { return k.hex().substr(0, 16); }

// Which networks' callbacks this thread is inside, so that stop() called
// from a callback does not wait for itself.
inline thread_local std::vector<const void*> tl_in_callback;
}  // namespace p2p_impl

struct P2pNetwork::Impl : SessionOwner, DialerHost, std::enable_shared_from_this<P2pNetwork::Impl> {
  using Clock = p2p_impl::Clock;
  Impl(boost::asio::io_context& ioc, P2pOptions o, OnMessage m, OnPeer p)
      : ioc(ioc),
        opts(std::move(o)),
        handlers(std::make_shared<const Handlers>(Handlers{std::move(m), std::move(p)})),
        me(std::make_shared<const LocalIdentity>(
            LocalIdentity{opts.chain_id, opts.genesis_hash, opts.node_key, opts.validator, opts.best_height})),
        limits{opts.send_queue_bytes,     opts.send_queue_frames,     opts.handshake_timeout, opts.idle_timeout,
               opts.write_stall_timeout, opts.serve_bytes_per_second, opts.serve_bytes_burst},
        slot_limits{opts.max_peers, opts.max_peers_per_address, opts.max_handshaking,
                    opts.max_handshaking_per_address, opts.banned_address_sessions},
        scores(opts.ban_score, opts.ban_time),
        sweep_timer(ioc) {}

  struct Entry {
    std::shared_ptr<PeerSession> session;
    PeerInfo info;
    bool visible = false;    // a peer: handshaken and admitted
    bool announced = false;  // OnPeer(true) was called and OnPeer(false) not yet
    p2p::ConnectionRank rank;
    std::optional<size_t> dialer;
    std::string ip;
    bool reserved = false;  // outbound to a configured peer, or a current validator's key
  };

  boost::asio::io_context& ioc;
  const P2pOptions opts;
  struct Handlers {
    OnMessage on_message;
    OnPeer on_peer;
  };
  // Swapped whole by set_handlers; a callback in progress keeps its copy.
  std::atomic<std::shared_ptr<const Handlers>> handlers;
  const std::shared_ptr<const LocalIdentity> me;
  const SessionLimits limits;
  const SlotLimits slot_limits;

  mutable std::mutex mu;  // guards everything below
  std::condition_variable drained;
  bool started = false;
  bool stopped = false;
  int in_callback = 0;
  PeerId next_id = 0;
  std::map<PeerId, Entry> sessions;
  std::map<crypto::PublicKey, PeerId> by_key;  // visible sessions
  PeerScores scores;
  std::vector<std::shared_ptr<PeerDialer>> dialers;
  std::atomic<size_t> queued_total{0};  // bytes in every send queue
  std::atomic<size_t> blocks_used{0};   // blocks reply budget taken
  boost::asio::steady_timer sweep_timer;        // drops idle non-reserved peers

  // --- the callback gate

  // Under `mu`: false once stopped.
  bool enter_locked() {
    if (stopped) return false;
    ++in_callback;
    p2p_impl::tl_in_callback.push_back(this);
    return true;
  }
  void leave() {
    p2p_impl::tl_in_callback.pop_back();
    std::lock_guard lock(mu);
    --in_callback;
    drained.notify_all();
  }
  template <class F>
  void guarded(const char* what, F&& f) {
    try {
      f();
    } catch (const std::exception& e) {
      log(std::string("numledgerd: p2p: ") + what + " callback threw: " + e.what());
    } catch (...) {
      log(std::string("numledgerd: p2p: ") + what + " callback threw");
    }
    leave();
  }

  void log(const std::string& line) override { log_peer(line, ""); }
  // A line about one peer: its key prefix (or address) goes in the log
  // event's peer field. Lines begin "numledgerd: p2p: "; the node's log
  // adds its own "numledgerd: ".
  void log_peer(const std::string& line, const std::string& peer) {
    if (opts.log) return opts.log(line);
    constexpr std::string_view kPrefix = "numledgerd: ";
    const std::string_view text = std::string_view(line).substr(line.rfind(kPrefix, 0) == 0 ? kPrefix.size() : 0);
    logging::info(text, {std::nullopt, peer, ""});
  }

  void announce_leave(const PeerInfo& info, const std::string& reason) {
    log_peer("numledgerd: p2p: peer " + p2p_impl::key_prefix(info.key) + " disconnected (" + info.address + "): " + reason,
             p2p_impl::key_prefix(info.key));
  }

  // --- SessionOwner

  // Under `mu`: the sessions without a reservation, but for `except`.
  SlotCounts slot_counts(const std::string& ip, PeerId except = 0) const;

  Admission admit(const std::shared_ptr<PeerSession>& s, const p2p::Hello& theirs) override;

  bool deliver(PeerSession& s, p2p::P2pMessage m) override;

  void misbehaved(PeerSession& s, int points, int address_points, const std::string& what, const std::string& reason) override;

  bool take_blocks_budget(size_t bytes, bool force) override;
  void give_blocks_budget(size_t bytes) override;
  void queued(std::ptrdiff_t delta) override;

  void closed(PeerSession& s, const SessionEnd& end) override;

  // --- DialerHost

  void dialled(size_t dialer, PeerSession::Ws ws, const std::string& address, const std::string& ip) override;

  bool key_connected(const crypto::PublicKey& key) override;

  // --- the rest

  // True when this reached the ban score.
  bool add_key_points(const crypto::PublicKey& key, const std::string& ip, int points, const std::string& reason);
  bool add_ip_points(const std::string& ip, int points, const std::string& reason);

  // Every second: non-reserved peers that sent nothing useful (pings do
  // not count) for useful_idle_timeout are dropped, freeing their slots.
  void sweep();

  std::vector<std::shared_ptr<PeerSession>> targets(std::optional<PeerId> only, std::optional<PeerId> except);

  void accept(boost::beast::tcp_stream&& stream, boost::beast::http::request<boost::beast::http::string_body> request);

  void start();

  void stop();
};

}  // namespace nl::node
