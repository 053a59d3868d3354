// One router's RTR session (RFC 8210, RFC 6810 for version 0): reads
// PDUs, answers Reset and Serial Queries from the cache's snapshots, sends
// Serial Notify when told the set changed, and refuses what is malformed
// with an Error Report. The deadlines and the hostile-peer rules are
// described in rtr_server.h.
#pragma once
#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "node/rtr/rtr_cache.h"
#include "node/rtr/rtr_pdu.h"
#include "node/net/tcp_server_core.h"

namespace nl::node {

class RtrSession : public ServerConnection, public std::enable_shared_from_this<RtrSession> {
 public:
  using tcp = boost::asio::ip::tcp;
  using error_code = boost::system::error_code;
  using Clock = std::chrono::steady_clock;

  RtrSession(tcp::socket&& socket, std::shared_ptr<const RtrCache> cache, ConnectionSlot slot);

  void start() override;
  // From any thread.
  void shutdown() override;
  // From any thread: the set changed. Routers that have negotiated a
  // version hear of it at most once per notify_min_interval (RFC 8210
  // §8.2); a change inside the window is announced when it ends.
  void notify();

 private:
  // Reading: one read at a time; none while a response is being written
  // (the peer must take our answer before we take its next query), except
  // when lingering, where what comes in is discarded.
  void maybe_read();
  void on_read(error_code ec, size_t n);
  void process();
  void handle(const rtr::Pdu& pdu, ByteView raw);

  // Answers.
  void send_notify();
  void send_full();
  void send_delta(const rtr::SerialQuery& q);
  void refuse(rtr::ErrorCode code, ByteView pdu, const std::string& text);

  // Writing.
  void send(Bytes bytes);
  void write_next();
  void on_written(error_code ec);

  // Deadlines and closing.
  void arm_read_deadline();
  void arm_read_timer(Clock::time_point deadline);
  void linger();
  void close();

  const RtrOptions& opts() const { return cache_->opts; }

  tcp::socket sock_;
  boost::asio::steady_timer read_timer_;
  boost::asio::steady_timer write_timer_;
  boost::asio::steady_timer notify_timer_;
  const std::shared_ptr<const RtrCache> cache_;
  ConnectionSlot slot_;
  std::array<uint8_t, 4096> chunk_{};
  Bytes inbuf_;
  std::deque<Bytes> outq_;
  std::optional<uint8_t> version_;  // set by the first query
  std::optional<Clock::time_point> last_notify_;
  // The idle deadline runs from the last query, so that our own Serial
  // Notifies do not keep a silent socket alive.
  Clock::time_point last_query_ = Clock::now();
  bool notify_pending_ = false;
  uint64_t read_gen_ = 0, write_gen_ = 0;  // invalidate superseded deadlines
  bool partial_armed_ = false;
  bool reading_ = false, writing_ = false, closing_ = false, lingering_ = false, closed_ = false;
  size_t drained_ = 0;
};

}  // namespace nl::node
