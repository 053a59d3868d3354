#include "node/p2p/peer_session.h"

#include <boost/asio/post.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/stream_base.hpp>

#include "node/p2p/p2p_network.h"

namespace nl::node {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;

namespace {

using Clock = std::chrono::steady_clock;

// How long a served get_blocks may wait for the node's reply before the
// peer's next frames are read anyway (the node chose not to answer).
constexpr std::chrono::seconds kReplyDeadline{5};
// How soon a get_blocks that found the shared budget full tries again.
constexpr std::chrono::milliseconds kBudgetRetry{50};

// Frames that show the peer takes part; pings and handshake frames do not.
bool useful(p2p::Tag t) {
  switch (t) {
    case p2p::Tag::tx:
    case p2p::Tag::txs:
    case p2p::Tag::consensus:
    case p2p::Tag::status:
    case p2p::Tag::get_blocks:
    case p2p::Tag::blocks:
    case p2p::Tag::get_snapshot:
    case p2p::Tag::snapshot:
    case p2p::Tag::get_chunk:
    case p2p::Tag::chunk:
      return true;
    default:
      return false;
  }
}

// The close frame's reason is at most 123 bytes (RFC 6455 §5.5).
websocket::close_reason close_reason_for(const std::string& reason, bool policy_violation) {
  websocket::close_reason cr(policy_violation ? websocket::close_code::policy_error : websocket::close_code::normal);
  cr.reason = beast::string_view(reason.data(), std::min<size_t>(reason.size(), 120));
  return cr;
}

p2p::Hello hello_for(const LocalIdentity& me) {
  return p2p::make_hello(me.chain_id, me.genesis_hash, me.node_key.public_key(), me.best_height ? me.best_height() : 0,
                         me.validator, p2p::random_nonce());
}

}  // namespace

PeerSession::PeerSession(uint64_t id, Ws ws, bool outbound, std::string address, std::string ip,
                         std::shared_ptr<const LocalIdentity> me, SessionLimits limits,
                         std::weak_ptr<SessionOwner> owner)
    : id_(id),
      ws_(std::move(ws)),
      outbound_(outbound),
      address_(std::move(address)),
      ip_(std::move(ip)),
      me_(std::move(me)),
      limits_(limits),
      owner_(std::move(owner)),
      ours_(hello_for(*me_)),
      timer_(ws_.get_executor()),
      write_timer_(ws_.get_executor()),
      blocks_timer_(ws_.get_executor()),
      tokens_(limits_.serve_bytes_burst) {
  // Consensus frames are small and each one waits on the last: Nagle's
  // algorithm would hold one back until the previous is acknowledged, and
  // the peer delays that ACK by up to 40 ms.
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().set_option(net::ip::tcp::no_delay(true), ignored);
  // WebSocket timeouts replace the TCP stream's own.
  beast::get_lowest_layer(ws_).expires_never();
  ws_.set_option(websocket::stream_base::timeout{limits_.handshake_timeout, limits_.idle_timeout, true});
  // An unauthenticated peer gets no more than a handshake frame's worth of our memory.
  ws_.read_message_max(p2p::kMaxHandshakeFrameBytes);
  ws_.binary(true);
  ws_.auto_fragment(false);
}

void PeerSession::start_inbound(Request request) {
  net::post(ws_.get_executor(), [self = shared_from_this(), request = std::move(request)]() mutable {
    if (self->phase_ != Phase::accepting) return;
    self->ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(beast::http::field::server, "numledger"); }));
    self->request_.emplace(std::move(request));
    self->timer_.expires_after(self->limits_.handshake_timeout);
    self->timer_.async_wait(beast::bind_front_handler(&PeerSession::on_handshake_timeout, self));
    self->ws_.async_accept(*self->request_, [self](beast::error_code ec) {
      self->request_.reset();
      if (self->phase_ != Phase::accepting) return;
      if (ec) return self->finish("websocket accept failed: " + ec.message());
      self->begin_handshake();
    });
  });
}

void PeerSession::start_outbound() {
  net::post(ws_.get_executor(), [self = shared_from_this()] {
    if (self->phase_ != Phase::accepting) return;
    self->timer_.expires_after(self->limits_.handshake_timeout);
    self->timer_.async_wait(beast::bind_front_handler(&PeerSession::on_handshake_timeout, self));
    self->begin_handshake();
  });
}

void PeerSession::send(std::shared_ptr<const Bytes> frame) {
  net::post(ws_.get_executor(), [self = shared_from_this(), frame = std::move(frame)]() mutable {
    self->enqueue(std::move(frame));
  });
}

void PeerSession::close(std::string reason, bool policy_violation, bool duplicate) {
  net::post(ws_.get_executor(), [self = shared_from_this(), reason = std::move(reason), policy_violation, duplicate] {
    self->do_close(reason, policy_violation, duplicate);
  });
}

void PeerSession::drop_not_reading(std::string reason) {
  net::post(ws_.get_executor(), [self = shared_from_this(), reason = std::move(reason)] {
    self->refuse(kPenaltyNotReading, "dropped", reason, kPenaltyNotReadingAddress);
  });
}

void PeerSession::begin_handshake() {
  phase_ = Phase::handshaking;
  enqueue(std::make_shared<const Bytes>(p2p::encode(ours_)));
  read_next();
}

void PeerSession::on_handshake_timeout(beast::error_code ec) {
  if (ec || (phase_ != Phase::accepting && phase_ != Phase::handshaking)) return;
  refuse(kPenaltyHandshakeTimeout, "refused", "handshake not finished within " + std::to_string(limits_.handshake_timeout.count()) + " ms");
}

void PeerSession::read_next() {
  ws_.async_read(buffer_, beast::bind_front_handler(&PeerSession::on_read, shared_from_this()));
}

std::string PeerSession::describe_read_error(beast::error_code ec) const {
  if (ec == websocket::error::closed) {
    const auto& cr = ws_.reason();
    std::string out = "closed by peer (code " + std::to_string(cr.code);
    if (!cr.reason.empty()) out += ": " + std::string(cr.reason.data(), cr.reason.size());
    return out + ")";
  }
  if (ec == beast::error::timeout) return phase_ == Phase::open ? "idle timeout" : "handshake timeout";
  return "connection lost: " + ec.message();
}

void PeerSession::on_read(beast::error_code ec, size_t) {
  if (phase_ == Phase::closing || phase_ == Phase::done) return;  // the close handshake finishes the session
  const char* what = phase_ == Phase::open ? "dropped" : "refused";
  if (ec == websocket::error::message_too_big)
    return refuse(kPenaltyUndecodable, what,
                  "frame exceeds " + std::to_string(ws_.read_message_max()) + " bytes" +
                      (phase_ == Phase::open ? "" : " during the handshake"));
  if (ec) return finish(describe_read_error(ec));
  if (!ws_.got_binary()) return refuse(kPenaltyUndecodable, what, "text frame (only binary frames are spoken here)");
  const auto data = buffer_.cdata();
  Bytes frame(static_cast<const uint8_t*>(data.data()), static_cast<const uint8_t*>(data.data()) + data.size());
  buffer_.consume(buffer_.size());
  // False: a get_blocks paused the reading (it may have resumed already).
  if (!on_frame(frame)) return;
  if (phase_ == Phase::handshaking || phase_ == Phase::open) read_next();
}

bool PeerSession::on_frame(ByteView frame) {
  const char* what = phase_ == Phase::open ? "dropped" : "refused";
  auto decoded = p2p::decode(frame);
  if (!decoded) return refuse(kPenaltyUndecodable, what, decoded.error()), true;
  if (phase_ == Phase::handshaking) return on_handshake_frame(std::move(*decoded)), true;
  const p2p::Tag tag = p2p::tag_of(*decoded);
  if (tag == p2p::Tag::hello || tag == p2p::Tag::hello_auth)
    return refuse(kPenaltyUndecodable, what,
                  "unexpected " + std::string(p2p::tag_name(tag)) + " frame after the handshake"),
           true;
  if (useful(tag)) last_useful_ = Clock::now().time_since_epoch().count();
  if (auto* g = std::get_if<p2p::GetBlocks>(&*decoded)) {
    // Nothing more is read from this peer until the reply is written.
    pending_get_blocks_ = *g;
    reading_paused_ = true;
    serve_get_blocks();
    return false;
  }
  auto owner = owner_.lock();
  if (!owner) return do_close("node stopping", false, false), true;
  owner->deliver(*this, std::move(*decoded));
  return true;
}

void PeerSession::arm_blocks_timer(Clock::duration after) {
  blocks_timer_.expires_after(after);
  blocks_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->phase_ != Phase::open) return;
    if (self->pending_get_blocks_) return self->serve_get_blocks();
    // Served, but the node sent no reply in time: read on.
    if (self->awaiting_reply_ && !self->reply_frame_) {
      self->release_reply();
      self->resume_reading();
    }
  });
}

void PeerSession::serve_get_blocks() {
  if (!pending_get_blocks_ || phase_ != Phase::open) return;
  const auto now = Clock::now();
  // Charged by the bytes served, not per request: 64 empty blocks cost
  // the store far less than 64 full ones, and sync of a quiet chain should
  // not crawl at the rate that bounds full ones.
  const double rate = std::max(limits_.serve_bytes_per_second, 1.0);
  const double need = static_cast<double>(kServeMinBytes);
  if (tokens_at_ != Clock::time_point{})
    tokens_ = std::min(std::max(limits_.serve_bytes_burst, need),
                       tokens_ + std::chrono::duration<double>(now - tokens_at_).count() * rate);
  tokens_at_ = now;
  if (tokens_ < need)
    return arm_blocks_timer(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>((need - tokens_) / rate)));
  auto owner = owner_.lock();
  if (!owner) return do_close("node stopping", false, false);
  // The reply's size is known only once built: the largest is held until then.
  if (!owner->take_blocks_budget(p2p::kMaxBlocksFrameBytes, false)) return arm_blocks_timer(kBudgetRetry);
  tokens_ -= need;  // the rest of a larger reply when it is queued
  reply_budget_ = p2p::kMaxBlocksFrameBytes;
  awaiting_reply_ = true;
  const p2p::GetBlocks request = *pending_get_blocks_;
  pending_get_blocks_.reset();
  arm_blocks_timer(kReplyDeadline);
  if (!owner->deliver(*this, request)) {
    release_reply();
    resume_reading();
  }
}

void PeerSession::release_reply() {
  if (reply_budget_ > 0)
    if (auto owner = owner_.lock()) owner->give_blocks_budget(reply_budget_);
  reply_budget_ = 0;
  reply_frame_ = nullptr;
  awaiting_reply_ = false;
}

void PeerSession::resume_reading() {
  if (!reading_paused_ || phase_ != Phase::open) return;
  reading_paused_ = false;
  read_next();
}

void PeerSession::on_handshake_frame(p2p::P2pMessage m) {
  if (!theirs_) {
    auto* hello = std::get_if<p2p::Hello>(&m);
    if (!hello)
      return refuse(kPenaltyUndecodable, "refused",
                    "expected a hello frame first, got " + std::string(p2p::tag_name(p2p::tag_of(m))));
    if (auto bad = p2p::check_hello(ours_, *hello)) {
      self_ = bad->kind == p2p::Refusal::self;
      theirs_ = *hello;  // remembered for the dialler (who it claimed to be)
      return refuse(p2p::refusal_penalty(bad->kind), "refused", bad->reason);
    }
    theirs_ = std::move(*hello);
    enqueue(std::make_shared<const Bytes>(p2p::encode(p2p::make_auth(me_->node_key, ours_, *theirs_))));
    return;
  }
  auto* auth = std::get_if<p2p::HelloAuth>(&m);
  if (!auth)
    return refuse(kPenaltyUndecodable, "refused",
                  "expected a hello_auth frame, got " + std::string(p2p::tag_name(p2p::tag_of(m))));
  if (auto bad = p2p::check_auth(ours_, *theirs_, *auth)) return refuse(p2p::refusal_penalty(bad->kind), "refused", bad->reason);
  auto owner = owner_.lock();
  if (!owner) return do_close("node stopping", false, false);
  // Open before admit() announces the peer, so frames queued from inside
  // the OnPeer callback are not refused as handshake leftovers.
  phase_ = Phase::open;
  opened_at_ = std::chrono::steady_clock::now();
  last_useful_ = opened_at_.time_since_epoch().count();
  ws_.read_message_max(p2p::kMaxFrameBytes);
  timer_.cancel();
  Admission adm = owner->admit(shared_from_this(), *theirs_);
  if (!adm.admitted) {
    opened_at_ = {};
    logged_ = true;  // the owner logs its refusals
    do_close(adm.reason, false, adm.duplicate);
  }
}

void PeerSession::enqueue(std::shared_ptr<const Bytes> frame) {
  if (phase_ == Phase::closing || phase_ == Phase::done) return;
  if (queue_.size() + 1 > limits_.queue_frames || queued_bytes_ + frame->size() > limits_.queue_bytes) {
    const std::string reason = "send queue full (" + std::to_string(queue_.size()) + " frames, " +
                               std::to_string(queued_bytes_) + " bytes queued; the peer does not keep up)";
    return refuse(kPenaltyNotReading, phase_ == Phase::open ? "dropped" : "refused", reason, kPenaltyNotReadingAddress);
  }
  if (awaiting_reply_ && !reply_frame_ && frame->size() >= 2 && (*frame)[1] == static_cast<uint8_t>(p2p::Tag::blocks)) {
    // The reply: its real size replaces the largest held for it.
    if (auto owner = owner_.lock()) {
      owner->take_blocks_budget(frame->size(), true);
      owner->give_blocks_budget(reply_budget_);
    }
    reply_budget_ = frame->size();
    reply_frame_ = frame.get();
    tokens_ -= static_cast<double>(frame->size() - std::min(frame->size(), kServeMinBytes));
    blocks_timer_.cancel();
  }
  queued_bytes_ += frame->size();
  queued_bytes_mirror_ = queued_bytes_;
  if (auto owner = owner_.lock()) owner->queued(static_cast<std::ptrdiff_t>(frame->size()));
  queue_.push_back(std::move(frame));
  write_next();
}

void PeerSession::write_next() {
  if (writing_ || queue_.empty() || phase_ == Phase::accepting || phase_ == Phase::done) return;
  writing_ = true;
  const size_t size = queue_.front()->size();
  if (limits_.write_stall_timeout.count() > 0) {
    write_timer_.expires_after(limits_.write_stall_timeout);
    write_timer_.async_wait([self = shared_from_this(), size](beast::error_code ec) {
      if (ec || !self->writing_) return;
      self->refuse(kPenaltyNotReading, self->phase_ == Phase::open ? "dropped" : "refused",
                   "does not read: a frame of " + std::to_string(size) + " bytes not taken in within " +
                       std::to_string(self->limits_.write_stall_timeout.count()) + " ms",
                   kPenaltyNotReadingAddress);
    });
  }
  ws_.async_write(net::buffer(*queue_.front()), [self = shared_from_this()](beast::error_code ec, size_t) {
    self->writing_ = false;
    self->write_timer_.cancel();
    const bool reply = self->queue_.front().get() == self->reply_frame_;
    self->pop_front_frame();
    if (reply) self->release_reply();
    if (self->phase_ == Phase::closing || self->phase_ == Phase::done) return;
    if (ec) return self->finish("write failed: " + ec.message());
    if (reply) self->resume_reading();
    self->write_next();
  });
}

void PeerSession::pop_front_frame() {
  const size_t n = queue_.front()->size();
  queued_bytes_ -= n;
  queued_bytes_mirror_ = queued_bytes_;
  queue_.pop_front();
  if (auto owner = owner_.lock()) owner->queued(-static_cast<std::ptrdiff_t>(n));
}

void PeerSession::drop_queued() {
  while (queue_.size() > (writing_ ? 1u : 0u)) {
    const size_t n = queue_.back()->size();
    queued_bytes_ -= n;
    queued_bytes_mirror_ = queued_bytes_;
    queue_.pop_back();
    if (auto owner = owner_.lock()) owner->queued(-static_cast<std::ptrdiff_t>(n));
  }
  blocks_timer_.cancel();
  pending_get_blocks_.reset();
  // A reply still being written is released by its write's handler.
  if (!writing_ || queue_.front().get() != reply_frame_) release_reply();
}

void PeerSession::refuse(int points, const std::string& what, const std::string& reason, int address_points) {
  if (phase_ == Phase::closing || phase_ == Phase::done) return;
  if (auto owner = owner_.lock()) owner->misbehaved(*this, points, address_points, what, reason);
  logged_ = true;
  do_close(reason, points > 0, false);
}

void PeerSession::do_close(std::string reason, bool policy_violation, bool duplicate) {
  if (phase_ == Phase::closing || phase_ == Phase::done) return;
  duplicate_ = duplicate_ || duplicate;
  if (phase_ == Phase::accepting) return finish(std::move(reason));  // no WebSocket to close yet
  phase_ = Phase::closing;
  close_reason_ = std::move(reason);
  // Drop what is queued; a write in flight finishes first (it owns the front).
  drop_queued();
  // The close handshake has its own timeout (handshake_timeout); this one
  // also covers a peer that stopped reading while a write is stuck.
  timer_.expires_after(std::max<std::chrono::milliseconds>(limits_.handshake_timeout, std::chrono::milliseconds(100)));
  timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec) self->finish(self->close_reason_);
  });
  ws_.async_close(close_reason_for(close_reason_, policy_violation),
                  [self = shared_from_this()](beast::error_code) { self->finish(self->close_reason_); });
}

void PeerSession::finish(std::string reason) {
  if (phase_ == Phase::done) return;
  phase_ = Phase::done;
  timer_.cancel();
  write_timer_.cancel();
  drop_queued();
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  beast::get_lowest_layer(ws_).close();
  SessionEnd end;
  end.reason = std::move(reason);
  end.self = self_;
  end.duplicate = duplicate_;
  end.logged = logged_;
  if (theirs_) end.claimed_key = theirs_->node_key;
  if (opened_at_ != std::chrono::steady_clock::time_point{}) end.lasted = std::chrono::steady_clock::now() - opened_at_;
  if (auto owner = owner_.lock()) owner->closed(*this, end);
}

}  // namespace nl::node
