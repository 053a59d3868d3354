// One acceptor strand, one strand per connection, as in http_server.cpp.
// A connection reads one line, writes one answer, and closes; after the
// answer it drains briefly, so a client that sent more than one line sees
// the answer instead of a reset.
#include "node/whois_server.h"

#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "node/http_server.h"

namespace nl::node {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

class WhoisConnection;

constexpr std::chrono::seconds kLingerTime{2};
constexpr size_t kLingerBytes = 64 * 1024;

const std::string kBusy = "%ERROR:208: too many connections, try again later\n";

}  // namespace

namespace detail {

struct WhoisServerState : std::enable_shared_from_this<WhoisServerState> {
  WhoisServerState(net::io_context& io, WhoisHandler h, WhoisLimits l)
      : ioc(io), handler(std::move(h)), limits(l), acceptor(net::make_strand(io)), retry(acceptor.get_executor()) {}

  void do_accept();
  void on_accept(beast::error_code ec, tcp::socket socket);
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
  const WhoisHandler handler;
  const WhoisLimits limits;
  tcp::acceptor acceptor;
  net::steady_timer retry;  // backs off after accept errors such as EMFILE
  bool listening = false;

  mutable std::mutex mu;  // guards everything below
  bool stopped_ = false;
  uint64_t next_id = 0;
  std::unordered_map<uint64_t, std::weak_ptr<WhoisConnection>> conns;
};

}  // namespace detail

namespace {

class WhoisConnection : public std::enable_shared_from_this<WhoisConnection> {
 public:
  WhoisConnection(tcp::socket&& socket, std::shared_ptr<detail::WhoisServerState> server, uint64_t id)
      : stream_(std::move(socket)), server_(std::move(server)), id_(id) {}

  ~WhoisConnection() {
    if (!closed_) server_->forget(id_);
  }

  void start() { net::dispatch(stream_.get_executor(), beast::bind_front_handler(&WhoisConnection::read, shared_from_this())); }

  // From any thread.
  void shutdown() { net::post(stream_.get_executor(), beast::bind_front_handler(&WhoisConnection::close, shared_from_this())); }

 private:
  void read() {
    if (closed_) return;
    stream_.expires_after(server_->limits.read_timeout);
    // Room for the longest query plus CRLF; a fuller buffer means too long.
    net::async_read_until(stream_, net::dynamic_buffer(input_, server_->limits.max_line + 2), '\n',
                          beast::bind_front_handler(&WhoisConnection::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, size_t n) {
    if (closed_) return;
    const size_t max = server_->limits.max_line;
    const std::string too_long = "%ERROR:107: input line too long (the limit is " + std::to_string(max) + " bytes)\n";
    if (ec == net::error::not_found) return answer(too_long);
    // A client that half-closes after its query without a terminator still gets an answer.
    if (ec == net::error::eof && !input_.empty()) n = input_.size();
    else if (ec) return close();  // a timeout (the stream is already closed), a reset, or our own close

    std::string query = input_.substr(0, n);
    if (!query.empty() && query.back() == '\n') query.pop_back();
    if (!query.empty() && query.back() == '\r') query.pop_back();
    if (query.size() > max) return answer(too_long);
    for (unsigned char c : query)
      if ((c < 0x20 && c != '\t') || c >= 0x7f)
        return answer("%ERROR:108: bad character in input (queries are printable ASCII)\n");
    if (server_->stopped()) return close();
    std::string text;
    try {
      text = server_->handler(query);
    } catch (const std::exception& e) {
      text = std::string("%ERROR:100: internal software error\n% ") + e.what() + "\n";
    }
    answer(std::move(text));
  }

  void answer(std::string text) {
    if (closed_) return;
    output_ = std::move(text);
    stream_.expires_after(server_->limits.read_timeout);  // drops clients that do not read
    net::async_write(stream_, net::buffer(output_), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->close();
      self->linger();
    });
  }

  void linger() {
    if (closed_) return;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(std::min<std::chrono::steady_clock::duration>(kLingerTime, server_->limits.read_timeout));
    drain();
  }

  void drain() {
    stream_.async_read_some(net::buffer(drain_buf_), [self = shared_from_this()](beast::error_code ec, size_t n) {
      self->drained_ += n;
      if (ec || self->closed_ || self->drained_ > kLingerBytes) return self->close();
      self->drain();
    });
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
    server_->forget(id_);
  }

  beast::tcp_stream stream_;
  std::shared_ptr<detail::WhoisServerState> server_;
  const uint64_t id_;
  std::string input_, output_;
  std::array<char, 4096> drain_buf_{};
  size_t drained_ = 0;
  bool closed_ = false;
};

}  // namespace

namespace detail {

void WhoisServerState::do_accept() {
  acceptor.async_accept(net::make_strand(ioc), beast::bind_front_handler(&WhoisServerState::on_accept, shared_from_this()));
}

void WhoisServerState::on_accept(beast::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
  if (ec) {
    retry.expires_after(std::chrono::milliseconds(100));
    retry.async_wait([self = shared_from_this()](beast::error_code wec) {
      if (!wec && self->acceptor.is_open()) self->do_accept();
    });
    return;
  }
  std::shared_ptr<WhoisConnection> conn;
  {
    std::lock_guard lock(mu);
    if (stopped_) return;
    if (conns.size() < limits.max_connections) {
      conn = std::make_shared<WhoisConnection>(std::move(socket), shared_from_this(), ++next_id);
      conns.emplace(next_id, conn);
    }
  }
  if (conn) {
    conn->start();
  } else {
    // Over the cap: one non-blocking try at saying why, then close; no
    // state is kept for the refused client.
    beast::error_code ignored;
    socket.non_blocking(true, ignored);
    socket.write_some(net::buffer(kBusy), ignored);
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }
  do_accept();
}

void WhoisServerState::stop() {
  std::vector<std::shared_ptr<WhoisConnection>> live;
  {
    std::lock_guard lock(mu);
    stopped_ = true;
    for (auto& [id, weak] : conns)
      if (auto c = weak.lock()) live.push_back(std::move(c));
  }
  net::post(acceptor.get_executor(), [self = shared_from_this()] {
    beast::error_code ec;
    self->acceptor.close(ec);
    self->retry.cancel();
  });
  for (auto& c : live) c->shutdown();
}

}  // namespace detail

WhoisServer::WhoisServer(net::io_context& ioc, WhoisHandler handler, WhoisLimits limits)
    : state_(std::make_shared<detail::WhoisServerState>(ioc, std::move(handler), limits)) {}

WhoisServer::~WhoisServer() { state_->stop(); }

Result<uint16_t> WhoisServer::listen(const std::string& host_port) {
  auto hp = parse_host_port(host_port);
  if (!hp) return hp.take_error();
  if (state_->stopped()) return fail("cannot listen on " + host_port + ": whois server is stopped");
  if (state_->listening) return fail("cannot listen on " + host_port + ": whois server is already listening");
  beast::error_code ec;
  auto addr = net::ip::make_address(hp->first, ec);
  if (ec) return fail("cannot listen on " + host_port + ": '" + hp->first + "' is not an IP address");
  const tcp::endpoint ep(addr, hp->second);

  auto& acc = state_->acceptor;
  auto bail = [&](const char* what) {
    beast::error_code ignored;
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
  state_->listening = true;
  net::post(acc.get_executor(), [s = state_] {
    if (s->acceptor.is_open()) s->do_accept();
  });
  return local.port();
}

void WhoisServer::stop() { state_->stop(); }

size_t WhoisServer::connection_count() const {
  std::lock_guard lock(state_->mu);
  return state_->conns.size();
}

}  // namespace nl::node
