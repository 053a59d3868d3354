// The RTR cache: one strand for the acceptor and the poll and notify
// timers, one strand per router connection (the HttpServer's shape).
#include "node/rtr_server.h"

#include <sodium.h>

#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <cstdio>
#include <deque>
#include <mutex>
#include <unordered_map>

#include "node/http_server.h"

namespace nl::node {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {

class RtrConnection;

// After an Error Report the peer may still be sending; read and discard
// briefly so that closing does not reset the connection before the peer
// has read the report.
constexpr std::chrono::seconds kLingerTime{2};
constexpr size_t kLingerBytes = 1 << 20;

}  // namespace

namespace detail {

struct RtrServerState : std::enable_shared_from_this<RtrServerState> {
  RtrServerState(net::io_context& io, OriginSource src, RtrOptions o)
      : ioc(io),
        source(std::move(src)),
        opts(o),
        acceptor(net::make_strand(io)),
        retry(acceptor.get_executor()),
        poll_timer(acceptor.get_executor()),
        snapshots({}, 0, o.history) {
    // Serials are specific to a protocol version, so each gets its own id.
    session_v1 = static_cast<uint16_t>(randombytes_uniform(65536));
    session_v0 = static_cast<uint16_t>(session_v1 ^ 0x8000);
    if (opts.idle_timeout.count() == 0) opts.idle_timeout = std::chrono::seconds(opts.intervals.expire);
  }

  uint16_t session(uint8_t version) const { return version == 0 ? session_v0 : session_v1; }

  void do_accept();
  void on_accept(error_code ec, tcp::socket socket);
  void poll();
  void arm_poll();
  void notify_all();
  void stop();
  void forget(uint64_t id) {
    std::lock_guard lock(mu);
    conns.erase(id);
  }
  bool stopped() const {
    std::lock_guard lock(mu);
    return stopped_;
  }

  net::io_context& ioc;
  OriginSource source;
  RtrOptions opts;
  tcp::acceptor acceptor;  // this strand also runs the timers below
  net::steady_timer retry;
  net::steady_timer poll_timer;
  bool listening = false;
  VrpSnapshots snapshots;
  uint16_t session_v1 = 0, session_v0 = 0;

  mutable std::mutex mu;  // guards everything below
  bool stopped_ = false;
  uint64_t next_id = 0;
  std::unordered_map<uint64_t, std::weak_ptr<RtrConnection>> conns;
};

}  // namespace detail

namespace {

class RtrConnection : public std::enable_shared_from_this<RtrConnection> {
 public:
  RtrConnection(tcp::socket&& socket, std::shared_ptr<detail::RtrServerState> server, uint64_t id)
      : sock_(std::move(socket)),
        read_timer_(sock_.get_executor()),
        write_timer_(sock_.get_executor()),
        notify_timer_(sock_.get_executor()),
        server_(std::move(server)),
        id_(id) {}

  ~RtrConnection() {
    if (!closed_) server_->forget(id_);
  }

  void start() {
    net::dispatch(sock_.get_executor(), [self = shared_from_this()] {
      self->arm_read_deadline();
      self->maybe_read();
    });
  }

  // From any thread.
  void shutdown() {
    net::post(sock_.get_executor(), [self = shared_from_this()] { self->close(); });
  }

  // From any thread: the set changed. Routers that have negotiated a
  // version hear of it at most once per notify_min_interval (RFC 8210
  // §8.2); a change inside the window is announced when it ends.
  void notify() {
    net::post(sock_.get_executor(), [self = shared_from_this()] {
      if (self->closed_ || self->closing_ || !self->version_) return;
      auto gap = std::chrono::duration_cast<Clock::duration>(self->server_->opts.notify_min_interval);
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

 private:
  // ---- reading ----
  // One read at a time; none while a response is being written (the peer
  // must take our answer before we take its next query), except when
  // lingering, where what comes in is discarded.
  void maybe_read() {
    if (closed_ || reading_) return;
    if (!lingering_ && (closing_ || writing_)) return;
    reading_ = true;
    sock_.async_read_some(net::buffer(chunk_), [self = shared_from_this()](error_code ec, size_t n) {
      self->on_read(ec, n);
    });
  }

  void on_read(error_code ec, size_t n) {
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
  void process() {
    while (!closed_ && !closing_ && !writing_ && inbuf_.size() >= rtr::kHeaderSize) {
      rtr::Header h = rtr::decode_header(inbuf_);
      ByteView head(inbuf_.data(), rtr::kHeaderSize);
      if (h.version > rtr::kMaxVersion)
        return refuse(rtr::ErrorCode::unsupported_version, head,
                      "protocol version " + std::to_string(h.version) + " is not supported; this cache speaks 0 and 1");
      if (version_ && h.version != *version_)
        return refuse(rtr::ErrorCode::unexpected_version, head,
                      "this session uses protocol version " + std::to_string(*version_) + ", the PDU has version " +
                          std::to_string(h.version));
      if (h.length < rtr::kHeaderSize || h.length > rtr::kMaxPduSize)
        return refuse(rtr::ErrorCode::corrupt_data, head,
                      "PDU length " + std::to_string(h.length) + " is outside 8-" + std::to_string(rtr::kMaxPduSize));
      if (inbuf_.size() < h.length) break;
      ByteView whole(inbuf_.data(), h.length);
      auto decoded = rtr::decode(whole);
      if (auto* e = std::get_if<rtr::PduError>(&decoded)) return refuse(e->code, whole, e->reason);
      handle(std::get<rtr::Pdu>(decoded), whole);
      inbuf_.erase(inbuf_.begin(), inbuf_.begin() + h.length);
    }
    if (closed_ || closing_ || writing_) return;
    arm_read_deadline();
    maybe_read();
  }

  void handle(const rtr::Pdu& pdu, ByteView raw) {
    if (std::holds_alternative<rtr::ResetQuery>(pdu.body)) {
      version_ = pdu.version;
      return send_full();
    }
    if (auto* q = std::get_if<rtr::SerialQuery>(&pdu.body)) {
      version_ = pdu.version;
      return send_delta(*q);
    }
    if (auto* r = std::get_if<rtr::ErrorReport>(&pdu.body)) {
      // Never answer an Error Report with one; every code a router sends
      // us ends the session.
      std::string text = r->text.substr(0, 200);
      for (char& c : text)
        if (static_cast<unsigned char>(c) < 0x20) c = ' ';
      std::fprintf(stderr, "numledgerd: rtr: router reported %s: %s\n",
                   std::string(rtr::error_code_name(r->code)).c_str(), text.c_str());
      return close();
    }
    refuse(rtr::ErrorCode::unsupported_pdu_type, raw,
           "a cache does not accept " + std::string(rtr::pdu_type_name(raw[1])) + " PDUs");
  }

  // ---- answers ----
  void send_notify() {
    last_notify_ = Clock::now();
    uint8_t v = *version_;
    send(rtr::encode({v, rtr::SerialNotify{server_->session(v), server_->snapshots.serial()}}));
  }

  void send_full() {
    auto cur = server_->snapshots.current();
    uint8_t v = *version_;
    Bytes out;
    out.reserve(16 + cur.set->size() * 32);
    rtr::append(out, {v, rtr::CacheResponse{server_->session(v)}});
    for (const auto& o : *cur.set) rtr::append(out, {v, rtr::PrefixPdu{true, o.prefix, o.max_length, o.asn}});
    rtr::append(out, {v, rtr::EndOfData{server_->session(v), cur.serial, server_->opts.intervals}});
    send(std::move(out));
  }

  void send_delta(const rtr::SerialQuery& q) {
    uint8_t v = *version_;
    auto delta = q.session == server_->session(v) ? server_->snapshots.delta_since(q.serial) : std::nullopt;
    if (!delta) return send(rtr::encode({v, rtr::CacheReset{}}));
    const auto& [serial, d] = *delta;
    Bytes out;
    rtr::append(out, {v, rtr::CacheResponse{server_->session(v)}});
    for (const auto& o : d.withdraw) rtr::append(out, {v, rtr::PrefixPdu{false, o.prefix, o.max_length, o.asn}});
    for (const auto& o : d.announce) rtr::append(out, {v, rtr::PrefixPdu{true, o.prefix, o.max_length, o.asn}});
    rtr::append(out, {v, rtr::EndOfData{server_->session(v), serial, server_->opts.intervals}});
    send(std::move(out));
  }

  // Error Report carrying the offending bytes, then close. A broken Error
  // Report is never answered with another (RFC 8210 §5.11): just close.
  void refuse(rtr::ErrorCode code, ByteView pdu, const std::string& text) {
    if (pdu[1] == static_cast<uint8_t>(rtr::PduType::error_report)) return close();
    uint8_t v = version_.value_or(std::min<uint8_t>(pdu[0], rtr::kMaxVersion));
    send(rtr::encode({v, rtr::ErrorReport{code, Bytes(pdu.begin(), pdu.end()), text}}));
    closing_ = true;
  }

  // ---- writing ----
  void send(Bytes bytes) {
    if (closed_) return;
    outq_.push_back(std::move(bytes));
    if (!writing_) write_next();
  }

  void write_next() {
    writing_ = true;
    // While we write, the peer owes us nothing: reading deadlines restart after.
    ++read_gen_;
    read_timer_.cancel();
    partial_armed_ = false;
    uint64_t gen = ++write_gen_;
    write_timer_.expires_after(server_->opts.write_timeout);
    write_timer_.async_wait([self = shared_from_this(), gen](error_code ec) {
      if (!ec && gen == self->write_gen_) self->close();  // the peer does not read
    });
    net::async_write(sock_, net::buffer(outq_.front()), [self = shared_from_this()](error_code ec, size_t) {
      self->on_written(ec);
    });
  }

  void on_written(error_code ec) {
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
  void arm_read_deadline() {
    std::chrono::seconds limit;
    if (!inbuf_.empty()) {
      if (partial_armed_) return;  // a begun PDU keeps its first deadline
      partial_armed_ = true;
      limit = server_->opts.pdu_timeout;
    } else {
      partial_armed_ = false;
      limit = version_ ? server_->opts.idle_timeout : server_->opts.first_query_timeout;
    }
    arm_read_timer(limit);
  }

  void arm_read_timer(std::chrono::steady_clock::duration limit) {
    uint64_t gen = ++read_gen_;
    read_timer_.expires_after(limit);
    read_timer_.async_wait([self = shared_from_this(), gen](error_code ec) {
      if (!ec && gen == self->read_gen_) self->close();
    });
  }

  void linger() {
    if (closed_) return;
    lingering_ = true;
    error_code ec;
    sock_.shutdown(tcp::socket::shutdown_send, ec);
    arm_read_timer(kLingerTime);
    maybe_read();
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    error_code ec;
    read_timer_.cancel();
    write_timer_.cancel();
    notify_timer_.cancel();
    sock_.shutdown(tcp::socket::shutdown_both, ec);
    sock_.close(ec);
    server_->forget(id_);
  }

  tcp::socket sock_;
  net::steady_timer read_timer_;
  net::steady_timer write_timer_;
  net::steady_timer notify_timer_;
  std::shared_ptr<detail::RtrServerState> server_;
  const uint64_t id_;
  std::array<uint8_t, 4096> chunk_{};
  Bytes inbuf_;
  std::deque<Bytes> outq_;
  std::optional<uint8_t> version_;  // set by the first query
  std::optional<Clock::time_point> last_notify_;
  bool notify_pending_ = false;
  uint64_t read_gen_ = 0, write_gen_ = 0;  // invalidate superseded deadlines
  bool partial_armed_ = false;
  bool reading_ = false, writing_ = false, closing_ = false, lingering_ = false, closed_ = false;
  size_t drained_ = 0;
};

}  // namespace

namespace detail {

void RtrServerState::do_accept() {
  acceptor.async_accept(net::make_strand(ioc), [self = shared_from_this()](error_code ec, tcp::socket s) {
    self->on_accept(ec, std::move(s));
  });
}

void RtrServerState::on_accept(error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
  if (ec) {
    retry.expires_after(std::chrono::milliseconds(100));  // e.g. EMFILE: back off
    retry.async_wait([self = shared_from_this()](error_code wec) {
      if (!wec && self->acceptor.is_open()) self->do_accept();
    });
    return;
  }
  std::shared_ptr<RtrConnection> conn;
  {
    std::lock_guard lock(mu);
    if (stopped_) return;
    // Over the cap the socket just closes as it goes out of scope.
    if (conns.size() < opts.max_connections) {
      conn = std::make_shared<RtrConnection>(std::move(socket), shared_from_this(), ++next_id);
      conns.emplace(next_id, conn);
    }
  }
  if (conn) conn->start();
  do_accept();
}

void RtrServerState::arm_poll() {
  poll_timer.expires_after(opts.poll_interval);
  poll_timer.async_wait([self = shared_from_this()](error_code ec) {
    if (!ec && !self->stopped()) self->poll();
  });
}

void RtrServerState::poll() {
  try {
    if (auto set = source(); set && snapshots.update(std::move(*set))) notify_all();
  } catch (const std::exception& e) {
    // Keep serving the last good set; the next poll tries again.
    std::fprintf(stderr, "numledgerd: rtr: reading authorizations failed: %s\n", e.what());
  }
  arm_poll();
}

void RtrServerState::notify_all() {
  std::vector<std::shared_ptr<RtrConnection>> live;
  {
    std::lock_guard lock(mu);
    for (auto& [id, weak] : conns)
      if (auto c = weak.lock()) live.push_back(std::move(c));
  }
  for (auto& c : live) c->notify();
}

void RtrServerState::stop() {
  std::vector<std::shared_ptr<RtrConnection>> live;
  {
    std::lock_guard lock(mu);
    stopped_ = true;
    for (auto& [id, weak] : conns)
      if (auto c = weak.lock()) live.push_back(std::move(c));
  }
  net::post(acceptor.get_executor(), [self = shared_from_this()] {
    error_code ec;
    self->acceptor.close(ec);
    self->retry.cancel();
    self->poll_timer.cancel();
  });
  for (auto& c : live) c->shutdown();
}

}  // namespace detail

OriginSource chain_origin_source(const ledger::Chain& chain, std::shared_mutex& state_mutex) {
  auto last_height = std::make_shared<std::optional<uint64_t>>();
  return [&chain, &state_mutex, last_height]() -> std::optional<std::vector<RouteOrigin>> {
    std::shared_lock lk(state_mutex);
    uint64_t h = chain.height();
    if (*last_height == h) return std::nullopt;
    *last_height = h;
    return origins_of(chain.registry().authorizations());
  };
}

RtrServer::RtrServer(net::io_context& ioc, OriginSource source, RtrOptions opts)
    : state_(std::make_shared<detail::RtrServerState>(ioc, std::move(source), opts)) {}

RtrServer::~RtrServer() { state_->stop(); }

Result<uint16_t> RtrServer::listen(const std::string& host_port) {
  if (auto s = rtr::check_intervals(state_->opts.intervals); !s) return s.take_error();
  auto hp = parse_host_port(host_port);
  if (!hp) return hp.take_error();
  if (state_->stopped()) return fail("cannot listen on " + host_port + ": RTR server is stopped");
  if (state_->listening) return fail("cannot listen on " + host_port + ": RTR server is already listening");

  error_code ec;
  tcp::endpoint ep;
  auto addr = net::ip::make_address(hp->first, ec);
  if (!ec) {
    ep = tcp::endpoint(addr, hp->second);
  } else {
    tcp::resolver resolver(state_->ioc);
    auto results = resolver.resolve(hp->first, std::to_string(hp->second), ec);
    if (ec || results.empty())
      return fail("cannot resolve '" + hp->first + "': " + (ec ? ec.message() : std::string("no addresses")));
    ep = *results.begin();
  }
  auto& acc = state_->acceptor;
  auto bail = [&](const char* what) {
    error_code ignored;
    acc.close(ignored);
    return fail("cannot listen on " + host_port + ": " + what + ": " + ec.message());
  };
  acc.open(ep.protocol(), ec);
  if (ec) return bail("open");
  acc.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) return bail("set_option");
  acc.bind(ep, ec);
  if (ec) return bail("bind");
  acc.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return bail("listen");
  auto local = acc.local_endpoint(ec);
  if (ec) return bail("local_endpoint");

  // The first router must not find an empty cache.
  if (auto set = state_->source()) state_->snapshots.update(std::move(*set));
  state_->listening = true;
  net::post(acc.get_executor(), [s = state_] {
    if (!s->acceptor.is_open()) return;
    s->do_accept();
    s->arm_poll();
  });
  return local.port();
}

void RtrServer::stop() { state_->stop(); }

uint16_t RtrServer::session_id(uint8_t version) const { return state_->session(version); }

uint32_t RtrServer::serial() const { return state_->snapshots.serial(); }

size_t RtrServer::connection_count() const {
  std::lock_guard lock(state_->mu);
  return state_->conns.size();
}

}  // namespace nl::node
