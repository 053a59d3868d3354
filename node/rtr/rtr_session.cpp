// A router session runs on its own strand: every member function but
// notify() and shutdown() runs there.
#include "node/rtr/rtr_session.h"
#include "node/log/node_log.h"

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <cstdio>
#include <variant>

namespace nl::node {

namespace net = boost::asio;

namespace {

// After an Error Report the peer may still be sending; read and discard
// briefly so that closing does not reset the connection before the peer
// has read the report.
constexpr std::chrono::seconds kLingerTime{2};
constexpr size_t kLingerBytes = 1 << 20;

}  // namespace

RtrSession::RtrSession(tcp::socket&& socket, std::shared_ptr<const RtrCache> cache, ConnectionSlot slot)
    : sock_(std::move(socket)),
      read_timer_(sock_.get_executor()),
      write_timer_(sock_.get_executor()),
      notify_timer_(sock_.get_executor()),
      cache_(std::move(cache)),
      slot_(std::move(slot)) {}

void RtrSession::start() {
  net::dispatch(sock_.get_executor(), [self = shared_from_this()] {
    self->arm_read_deadline();
    self->maybe_read();
  });
}

void RtrSession::shutdown() {
  net::post(sock_.get_executor(), [self = shared_from_this()] { self->close(); });
}

void RtrSession::notify() {
  net::post(sock_.get_executor(), [self = shared_from_this()] {
    if (self->closed_ || self->closing_ || !self->version_ || !self->opts().notify) return;
    auto gap = std::chrono::duration_cast<Clock::duration>(self->opts().notify_min_interval);
    auto now = Clock::now();
    if (!self->last_notify_ || now - *self->last_notify_ >= gap) return self->send_notify();
    if (self->notify_pending_) return;  // it will carry the newest serial
    self->notify_pending_ = true;
    self->notify_timer_.expires_at(*self->last_notify_ + gap);
    self->notify_timer_.async_wait([self](error_code ec) {
      self->notify_pending_ = false;
      if (!ec && !self->closed_ && !self->closing_) self->send_notify();
    });
  });
}

// ---- reading ----

void RtrSession::maybe_read() {
  if (closed_ || reading_) return;
  if (!lingering_ && (closing_ || writing_)) return;
  reading_ = true;
  sock_.async_read_some(net::buffer(chunk_), [self = shared_from_this()](error_code ec, size_t n) {
    self->on_read(ec, n);
  });
}

void RtrSession::on_read(error_code ec, size_t n) {
  reading_ = false;
  if (closed_) return;
  if (ec) return close();  // end of stream, reset, or our own close
  if (lingering_) {
    drained_ += n;
    if (drained_ > kLingerBytes) return close();
    return maybe_read();
  }
  if (closing_) return;
  inbuf_.insert(inbuf_.end(), chunk_.begin(), chunk_.begin() + static_cast<std::ptrdiff_t>(n));
  process();
}

// Handles every whole PDU in the buffer. While a response is still being
// written the rest waits; on_written() comes back here.
void RtrSession::process() {
  while (!closed_ && !closing_ && !writing_ && inbuf_.size() >= rtr::kHeaderSize) {
    rtr::Header h = rtr::decode_header(inbuf_);
    ByteView head(inbuf_.data(), rtr::kHeaderSize);
    // A version change mid-session is checked first: RFC 8210 §7 gives it
    // code 8 whatever the new version. RFC 6810 has no code 8, and to a
    // version 0 speaker any other version is simply unknown: code 4.
    if (version_ && h.version != *version_)
      return refuse(*version_ == 0 ? rtr::ErrorCode::unsupported_version : rtr::ErrorCode::unexpected_version, head,
                    "this session uses protocol version " + std::to_string(*version_) + ", the PDU has version " +
                        std::to_string(h.version));
    if (h.version > rtr::kMaxVersion)
      return refuse(rtr::ErrorCode::unsupported_version, head,
                    "protocol version " + std::to_string(h.version) + " is not supported; this cache speaks 0 and 1");
    if (h.length < rtr::kHeaderSize || h.length > rtr::kMaxPduSize)
      return refuse(rtr::ErrorCode::corrupt_data, head,
                    "PDU length " + std::to_string(h.length) + " is outside 8-" + std::to_string(rtr::kMaxPduSize));
    // Refused from the header alone: waiting for a body that a fixed-size
    // type cannot have would leave the router hanging until pdu_timeout.
    if (auto fixed = rtr::fixed_length(h.version, h.type); fixed && h.length != *fixed)
      return refuse(rtr::ErrorCode::corrupt_data, head,
                    "a version " + std::to_string(h.version) + " " + std::string(rtr::pdu_type_name(h.type)) +
                        " PDU is " + std::to_string(*fixed) + " bytes long, its length field says " +
                        std::to_string(h.length));
    if (inbuf_.size() < h.length) break;
    ByteView whole(inbuf_.data(), h.length);
    if (rtr::cache_only(h.version, h.type))
      return refuse(rtr::ErrorCode::invalid_request, whole,
                    "a router does not send " + std::string(rtr::pdu_type_name(h.type)) + " PDUs to a cache");
    auto decoded = rtr::decode(whole);
    if (auto* e = std::get_if<rtr::PduError>(&decoded)) return refuse(e->code, whole, e->reason);
    handle(std::get<rtr::Pdu>(decoded), whole);
    inbuf_.erase(inbuf_.begin(), inbuf_.begin() + h.length);
  }
  if (closed_ || closing_ || writing_) return;
  arm_read_deadline();
  maybe_read();
}

void RtrSession::handle(const rtr::Pdu& pdu, ByteView raw) {
  if (std::holds_alternative<rtr::ResetQuery>(pdu.body)) {
    last_query_ = Clock::now();
    version_ = pdu.version;
    return send_full();
  }
  if (auto* q = std::get_if<rtr::SerialQuery>(&pdu.body)) {
    last_query_ = Clock::now();
    version_ = pdu.version;
    return send_delta(*q);
  }
  if (auto* r = std::get_if<rtr::ErrorReport>(&pdu.body)) {
    // Never answer an Error Report with one; every code a router sends
    // us ends the session.
    std::string text = r->text.substr(0, 200);
    for (char& c : text)
      if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    logging::warn("rtr: router reported " + std::string(rtr::error_code_name(r->code)) + ": " + text);
    return close();
  }
  // process() refuses cache-only types before decoding; this is the backstop.
  refuse(rtr::ErrorCode::invalid_request, raw,
         "a cache does not accept " + std::string(rtr::pdu_type_name(raw[1])) + " PDUs");
}

// ---- answers ----

void RtrSession::send_notify() {
  last_notify_ = Clock::now();
  uint8_t v = *version_;
  send(rtr::encode({v, rtr::SerialNotify{cache_->session(v), cache_->snapshots.serial()}}));
}

void RtrSession::send_full() {
  auto cur = cache_->snapshots.current();
  uint8_t v = *version_;
  Bytes out;
  out.reserve(16 + cur.set->size() * 32);
  rtr::append(out, {v, rtr::CacheResponse{cache_->session(v)}});
  for (const auto& o : *cur.set) rtr::append(out, {v, rtr::PrefixPdu{true, o.prefix, o.max_length, o.asn}});
  rtr::append(out, {v, rtr::EndOfData{cache_->session(v), cur.serial, opts().intervals}});
  send(std::move(out));
}

void RtrSession::send_delta(const rtr::SerialQuery& q) {
  uint8_t v = *version_;
  auto delta = q.session == cache_->session(v) ? cache_->snapshots.delta_since(q.serial) : std::nullopt;
  if (!delta) return send(rtr::encode({v, rtr::CacheReset{}}));
  const auto& [serial, d] = *delta;
  Bytes out;
  rtr::append(out, {v, rtr::CacheResponse{cache_->session(v)}});
  for (const auto& o : d.withdraw) rtr::append(out, {v, rtr::PrefixPdu{false, o.prefix, o.max_length, o.asn}});
  for (const auto& o : d.announce) rtr::append(out, {v, rtr::PrefixPdu{true, o.prefix, o.max_length, o.asn}});
  rtr::append(out, {v, rtr::EndOfData{cache_->session(v), serial, opts().intervals}});
  send(std::move(out));
}

// Error Report carrying the offending bytes, then close. A broken Error
// Report is never answered with another (RFC 8210 §5.11): just close.
void RtrSession::refuse(rtr::ErrorCode code, ByteView pdu, const std::string& text) {
  if (pdu[1] == static_cast<uint8_t>(rtr::PduType::error_report)) return close();
  uint8_t v = version_.value_or(std::min<uint8_t>(pdu[0], rtr::kMaxVersion));
  send(rtr::encode({v, rtr::ErrorReport{code, Bytes(pdu.begin(), pdu.end()), text}}));
  closing_ = true;
}

// ---- writing ----

void RtrSession::send(Bytes bytes) {
  if (closed_) return;
  outq_.push_back(std::move(bytes));
  if (!writing_) write_next();
}

void RtrSession::write_next() {
  writing_ = true;
  // While we write, the peer owes us nothing: reading deadlines restart after.
  ++read_gen_;
  read_timer_.cancel();
  partial_armed_ = false;
  uint64_t gen = ++write_gen_;
  write_timer_.expires_after(opts().write_timeout);
  write_timer_.async_wait([self = shared_from_this(), gen](error_code ec) {
    if (!ec && gen == self->write_gen_) self->close();  // the peer does not read
  });
  net::async_write(sock_, net::buffer(outq_.front()), [self = shared_from_this()](error_code ec, size_t) {
    self->on_written(ec);
  });
}

void RtrSession::on_written(error_code ec) {
  ++write_gen_;
  write_timer_.cancel();
  if (closed_) return;
  if (ec) return close();
  outq_.pop_front();
  if (!outq_.empty()) return write_next();
  writing_ = false;
  if (closing_) return linger();
  process();  // queries that arrived meanwhile, then read on
}

// ---- deadlines and closing ----

void RtrSession::arm_read_deadline() {
  if (!inbuf_.empty()) {
    if (partial_armed_) return;  // a begun PDU keeps its first deadline
    partial_armed_ = true;
    return arm_read_timer(Clock::now() + opts().pdu_timeout);
  }
  partial_armed_ = false;
  // Before the first query last_query_ is the time of accepting.
  arm_read_timer(last_query_ + (version_ ? opts().idle_timeout : opts().first_query_timeout));
}

void RtrSession::arm_read_timer(Clock::time_point deadline) {
  uint64_t gen = ++read_gen_;
  read_timer_.expires_at(deadline);
  read_timer_.async_wait([self = shared_from_this(), gen](error_code ec) {
    if (!ec && gen == self->read_gen_) self->close();
  });
}

void RtrSession::linger() {
  if (closed_) return;
  lingering_ = true;
  error_code ec;
  sock_.shutdown(tcp::socket::shutdown_send, ec);
  arm_read_timer(Clock::now() + kLingerTime);
  maybe_read();
}

void RtrSession::close() {
  if (closed_) return;
  closed_ = true;
  error_code ec;
  read_timer_.cancel();
  write_timer_.cancel();
  notify_timer_.cancel();
  sock_.shutdown(tcp::socket::shutdown_both, ec);
  sock_.close(ec);
  slot_.release();
}

}  // namespace nl::node
