// Async HTTP/1.1 server: one acceptor strand, one strand per connection.
// Shape follows Beast's advanced server example, with limits, a connection
// cap and a stop() that closes everything it ever accepted.
#include "node/http_server.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <unordered_map>
#include <vector>

namespace nl::node {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

class Connection;

HttpResponse error_response(unsigned status, const std::string& reason) {
  // dump() must not throw on bytes from a bad request, hence replace.
  nlohmann::json j{{"error", reason}};
  return HttpResponse{status, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

std::string endpoint_string(const tcp::endpoint& ep) {
  auto addr = ep.address().to_string();
  if (ep.address().is_v6()) addr = "[" + addr + "]";
  return addr + ":" + std::to_string(ep.port());
}

// After an error reply the client may still be sending; read and discard
// briefly so closing does not reset the connection before it sees the reply.
constexpr std::chrono::seconds kLingerTime{2};
constexpr size_t kLingerBytes = 1 << 20;

}  // namespace

namespace detail {

struct HttpServerState : std::enable_shared_from_this<HttpServerState> {
  HttpServerState(net::io_context& io, HttpHandler h, HttpLimits l)
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
  const HttpHandler handler;
  const HttpLimits limits;
  tcp::acceptor acceptor;  // on its own strand, like retry
  net::steady_timer retry;  // backs off after accept errors such as EMFILE
  bool listening = false;

  mutable std::mutex mu;  // guards everything below
  bool stopped_ = false;
  uint64_t next_id = 0;
  std::unordered_map<uint64_t, std::weak_ptr<Connection>> conns;
};

}  // namespace detail

namespace {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket&& socket, std::shared_ptr<detail::HttpServerState> server, uint64_t id, std::string remote)
      : stream_(std::move(socket)), server_(std::move(server)), id_(id), remote_(std::move(remote)) {}

  ~Connection() {
    if (!closed_) server_->forget(id_);
  }

  void start() { net::dispatch(stream_.get_executor(), beast::bind_front_handler(&Connection::read_header, shared_from_this())); }

  // From any thread.
  void shutdown() { net::post(stream_.get_executor(), beast::bind_front_handler(&Connection::close, shared_from_this())); }

 private:
  void read_header() {
    if (closed_) return;
    parser_.emplace();
    parser_->body_limit(server_->limits.max_body);
    parser_->header_limit(static_cast<std::uint32_t>(server_->limits.max_header));
    // One deadline for the whole request, so slow senders cannot hold a slot.
    stream_.expires_after(server_->limits.read_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Connection::on_header, shared_from_this()));
  }

  void on_header(beast::error_code ec, size_t) {
    if (closed_) return;
    if (ec) return on_request(ec, 0);
    auto expect = parser_->get()[http::field::expect];
    if (!parser_->is_done() && beast::iequals(expect, "100-continue")) {
      static constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
      net::async_write(stream_, net::buffer(kContinue, sizeof(kContinue) - 1),
                       [self = shared_from_this()](beast::error_code wec, size_t) {
                         if (wec) return self->close();
                         self->read_body();
                       });
      return;
    }
    read_body();
  }

  void read_body() {
    if (closed_) return;
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Connection::on_request, shared_from_this()));
  }

  void on_request(beast::error_code ec, size_t) {
    if (closed_) return;
    if (ec == http::error::body_limit)
      return write(error_response(413, "request body exceeds " + std::to_string(server_->limits.max_body) + " bytes"),
                   false);
    if (ec == http::error::header_limit)
      return write(error_response(431, "request header exceeds " + std::to_string(server_->limits.max_header) + " bytes"),
                   false);
    if (ec && ec.category() == http::make_error_code(http::error::bad_method).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message)
      return write(error_response(400, "malformed HTTP request: " + ec.message()), false);
    // End of stream, a reset, a timeout or our own close: nobody to answer.
    if (ec) return close();
    dispatch_request();
  }

  void dispatch_request() {
    if (server_->stopped()) return close();
    auto& msg = parser_->get();
    keep_alive_ = msg.keep_alive();
    version_ = msg.version();
    HttpRequest req{std::string(msg.method_string()), std::string(msg.target()), std::move(msg.body()), remote_,
                    std::string(msg[http::field::host])};
    parser_.reset();

    auto once = std::make_shared<std::atomic<bool>>(false);
    Responder respond = [self = shared_from_this(), once](HttpResponse res) {
      if (once->exchange(true)) return;
      // Always post: the caller may be on any thread, even inside the handler.
      net::post(self->stream_.get_executor(), [self, res = std::move(res)]() mutable {
        self->write(std::move(res), self->keep_alive_);
      });
    };
    try {
      server_->handler(std::move(req), respond);
    } catch (const std::exception& e) {
      respond(error_response(500, std::string("internal error: ") + e.what()));
    } catch (...) {
      respond(error_response(500, "internal error"));
    }
  }

  void write(HttpResponse r, bool keep_alive) {
    if (closed_) return;
    if (r.status < 200 || r.status > 599)
      r = error_response(500, "internal error: handler returned status " + std::to_string(r.status));
    keep_alive = keep_alive && !server_->stopped();
    res_.emplace();
    res_->version(version_);
    res_->result(r.status);
    res_->set(http::field::server, "numledger");
    res_->set(http::field::content_type, r.content_type);
    res_->keep_alive(keep_alive);
    res_->body() = std::move(r.body);
    res_->prepare_payload();
    stream_.expires_after(server_->limits.read_timeout);  // drops clients that do not read
    http::async_write(stream_, *res_,
                      [self = shared_from_this(), keep_alive](beast::error_code ec, size_t) {
                        self->res_.reset();
                        if (ec) return self->close();
                        if (keep_alive) return self->read_header();
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
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> res_;
  std::shared_ptr<detail::HttpServerState> server_;
  const uint64_t id_;
  const std::string remote_;
  bool closed_ = false;
  bool keep_alive_ = false;
  unsigned version_ = 11;  // until a request says otherwise
  std::array<char, 4096> drain_buf_{};
  size_t drained_ = 0;
};

}  // namespace

namespace detail {

void HttpServerState::do_accept() {
  acceptor.async_accept(net::make_strand(ioc), beast::bind_front_handler(&HttpServerState::on_accept, shared_from_this()));
}

void HttpServerState::on_accept(beast::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
  if (ec) {
    retry.expires_after(std::chrono::milliseconds(100));
    retry.async_wait([self = shared_from_this()](beast::error_code wec) {
      if (!wec && self->acceptor.is_open()) self->do_accept();
    });
    return;
  }
  std::shared_ptr<Connection> conn;
  {
    std::lock_guard lock(mu);
    if (stopped_) return;  // the socket closes as it goes out of scope
    // Over the cap the socket just closes: cheaper than an answer.
    if (conns.size() < limits.max_connections) {
      beast::error_code rec;
      auto ep = socket.remote_endpoint(rec);
      conn = std::make_shared<Connection>(std::move(socket), shared_from_this(), ++next_id,
                                          rec ? std::string("unknown") : endpoint_string(ep));
      conns.emplace(next_id, conn);
    }
  }
  if (conn) conn->start();
  do_accept();
}

void HttpServerState::stop() {
  std::vector<std::shared_ptr<Connection>> live;
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

HttpServer::HttpServer(net::io_context& ioc, HttpHandler handler, HttpLimits limits)
    : state_(std::make_shared<detail::HttpServerState>(ioc, std::move(handler), limits)) {}

HttpServer::~HttpServer() { state_->stop(); }

Result<uint16_t> HttpServer::listen(const std::string& host_port) {
  auto hp = parse_host_port(host_port);
  if (!hp) return hp.take_error();
  if (state_->stopped()) return fail("cannot listen on " + host_port + ": server is stopped");
  if (state_->listening) return fail("cannot listen on " + host_port + ": server is already listening");

  beast::error_code ec;
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

void HttpServer::stop() { state_->stop(); }

size_t HttpServer::connection_count() const {
  std::lock_guard lock(state_->mu);
  return state_->conns.size();
}

Result<std::pair<std::string, uint16_t>> parse_host_port(const std::string& s) {
  auto not_host_port = [&] { return fail("'" + s + "' is not HOST:PORT"); };
  std::string host, port;
  if (!s.empty() && s[0] == '[') {
    auto close = s.find(']');
    if (close == std::string::npos || close + 1 >= s.size() || s[close + 1] != ':') return not_host_port();
    host = s.substr(1, close - 1);
    port = s.substr(close + 2);
  } else {
    auto colon = s.rfind(':');
    if (colon == std::string::npos) return not_host_port();
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
    if (host.find(':') != std::string::npos)
      return fail("'" + s + "' is not HOST:PORT (write IPv6 addresses as [ADDRESS]:PORT)");
  }
  if (host.empty() || port.empty()) return not_host_port();
  for (char c : host)
    if (std::isspace(static_cast<unsigned char>(c)) || c == '[' || c == ']' || c == '/') return not_host_port();
  if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return fail("'" + s + "': port '" + port + "' is not a number");
  unsigned long value = port.size() > 5 ? 65536 : std::stoul(port);
  if (value > 65535) return fail("'" + s + "': port " + port + " is out of range (0-65535)");
  return std::make_pair(host, static_cast<uint16_t>(value));
}

}  // namespace nl::node
