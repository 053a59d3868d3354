// Async HTTP/1.1 server: one strand per connection on the shared TCP core
// (tcp_server_core.h), which accepts, caps and stops. Shape follows
// Beast's advanced server example, with limits and a stop() that closes
// everything still open.
#include "node/net/http_server.h"

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <nlohmann/json.hpp>
#include <optional>

#include "node/net/stream_connection.h"
#include "node/net/tcp_server_core.h"

namespace nl::node {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

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

// What linger() reads and discards at most after a last reply.
constexpr size_t kLingerBytes = 1 << 20;

// What every connection of one server answers with.
struct HttpService {
  const HttpHandler handler;
  const HttpLimits limits;
  const HttpUpgrade upgrade;
  // Bytes of owned answers being written (HttpLimits::max_pending_bytes).
  mutable std::atomic<size_t> pending_bytes{0};

  HttpService(HttpHandler h, HttpLimits l, HttpUpgrade u)
      : handler(std::move(h)), limits(l), upgrade(std::move(u)) {}

  bool take_budget(size_t n) const {
    size_t now = pending_bytes.load();
    do {
      // One answer goes even when it alone passes the budget: else it never could.
      if (n > kSmallAnswerBytes && now != 0 && now + n > limits.max_pending_bytes) return false;
    } while (!pending_bytes.compare_exchange_weak(now, now + n));
    return true;
  }

  bool upgrades(const http::request<http::string_body>& req) const {
    if (!upgrade.handler) return false;
    const auto target = req.target();
    return target.substr(0, target.find('?')) == upgrade.path && beast::websocket::is_upgrade(req);
  }
};

class Connection : public StreamConnection<Connection> {
 public:
  Connection(tcp::socket&& socket, std::shared_ptr<const HttpService> service, ConnectionSlot slot,
             std::string remote)
      : StreamConnection(std::move(socket), std::move(slot)), service_(std::move(service)), remote_(std::move(remote)) {}
  ~Connection() override { release_budget(); }

  void start() override {
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&Connection::read_header, shared_from_this()));
  }

 private:
  const HttpLimits& limits() const { return service_->limits; }

  void read_header() {
    if (closed_) return;
    head_ = false;  // until this request's header says otherwise
    parser_.emplace();
    parser_->body_limit(limits().max_body);
    parser_->header_limit(static_cast<std::uint32_t>(limits().max_header));
    // One deadline for idling and the whole header, so slow senders cannot hold a slot.
    stream_.expires_after(limits().header_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Connection::on_header, shared_from_this()));
  }

  void on_header(beast::error_code ec, size_t) {
    if (closed_) return;
    if (ec) return on_request(ec, 0);
    stream_.expires_after(limits().body_timeout);  // also covers a 100 Continue
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
      return write(error_response(413, "request body exceeds " + std::to_string(limits().max_body) + " bytes"), false);
    if (ec == http::error::header_limit)
      return write(error_response(431, "request header exceeds " + std::to_string(limits().max_header) + " bytes"),
                   false);
    if (ec && ec.category() == http::make_error_code(http::error::bad_method).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message)
      return write(error_response(400, "malformed HTTP request: " + ec.message()), false);
    // End of stream, a reset, a timeout or our own close: nobody to answer.
    if (ec) return close();
    dispatch_request();
  }

  void dispatch_request() {
    if (slot_.server_stopped()) return close();
    if (service_->upgrades(parser_->get())) return hand_over();
    auto& msg = parser_->get();
    keep_alive_ = msg.keep_alive();
    version_ = msg.version();
    head_ = msg.method() == http::verb::head;
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
      service_->handler(std::move(req), respond);
    } catch (const std::exception& e) {
      respond(error_response(500, std::string("internal error: ") + e.what()));
    } catch (...) {
      respond(error_response(500, "internal error"));
    }
  }

  // The stream and the request go to the upgrade handler; this connection
  // is done and gives its slot back.
  void hand_over() {
    auto req = parser_->release();
    parser_.reset();
    closed_ = true;
    slot_.release();
    stream_.expires_never();
    service_->upgrade.handler(std::move(stream_), std::move(req));
  }

  void write(HttpResponse r, bool keep_alive) {
    if (closed_) return;
    if (r.status < 200 || r.status > 599)
      r = error_response(500, "internal error: handler returned status " + std::to_string(r.status));
    keep_alive = keep_alive && !slot_.server_stopped();
    if (r.shared_body) {
      body_ = std::move(r.shared_body);  // held by its owner already: not counted
    } else {
      if (!head_ && service_->take_budget(r.body.size()))
        counted_ = r.body.size();
      else if (!head_)  // a small error answer, not counted
        r = error_response(503, "the server holds " + std::to_string(service_->limits.max_pending_bytes >> 20) +
                                    " MiB of answers for clients still to read them; retry later");
      body_ = std::make_shared<const std::string>(std::move(r.body));
    }
    res_.emplace();
    res_->version(version_);
    res_->result(r.status);
    res_->set(http::field::server, "numledger");
    res_->set(http::field::content_type, r.content_type);
    for (const auto& [name, value] : r.headers) res_->set(name, value);
    res_->keep_alive(keep_alive);
    if (head_) {
      // The length a GET would get, and no body: Beast's serializer writes
      // whatever body the message holds, so it must be empty.
      res_->content_length(body_->size());
    } else {
      res_->body() = Body::value_type(body_->data(), body_->size());
      res_->prepare_payload();
    }
    sr_.emplace(*res_);
    write_some(keep_alive);
  }

  // One step at a time, each with its own deadline: a client that stops
  // reading is closed, one that reads slowly is not.
  void write_some(bool keep_alive) {
    stream_.expires_after(limits().write_timeout);
    http::async_write_some(stream_, *sr_, [self = shared_from_this(), keep_alive](beast::error_code ec, size_t) {
      if (!ec && !self->sr_->is_done()) return self->write_some(keep_alive);
      self->sr_.reset();
      self->res_.reset();
      self->body_.reset();
      self->release_budget();
      if (ec) return self->close();
      if (keep_alive) return self->read_header();
      self->linger(self->limits().header_timeout, kLingerBytes);
    });
  }

  void release_budget() {
    service_->pending_bytes -= counted_;
    counted_ = 0;
  }

  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  using Body = http::span_body<const char>;
  std::optional<http::response<Body>> res_;
  std::optional<http::response_serializer<Body>> sr_;
  std::shared_ptr<const std::string> body_;  // what res_ points into
  size_t counted_ = 0;                       // of service_->pending_bytes
  const std::shared_ptr<const HttpService> service_;
  const std::string remote_;
  bool keep_alive_ = false;
  bool head_ = false;  // the request being answered is a HEAD
  unsigned version_ = 11;  // until a request says otherwise
};

std::shared_ptr<TcpServerCore> http_core(net::io_context& ioc, HttpHandler handler, HttpLimits limits,
                                         HttpUpgrade upgrade) {
  auto service = std::make_shared<const HttpService>(std::move(handler), limits, std::move(upgrade));
  auto make = [service](tcp::socket&& socket, ConnectionSlot slot) -> std::shared_ptr<ServerConnection> {
    beast::error_code ec;
    auto ep = socket.remote_endpoint(ec);
    return std::make_shared<Connection>(std::move(socket), service, std::move(slot),
                                        ec ? std::string("unknown") : endpoint_string(ep));
  };
  // Over the cap the socket just closes: cheaper than an answer.
  return std::make_shared<TcpServerCore>(
      ioc, TcpServerRules{"server", limits.max_connections, limits.max_per_address, true}, std::move(make));
}

}  // namespace

HttpServer::HttpServer(net::io_context& ioc, HttpHandler handler, HttpLimits limits, HttpUpgrade upgrade)
    : TcpServer(http_core(ioc, std::move(handler), limits, std::move(upgrade))) {}

}  // namespace nl::node
