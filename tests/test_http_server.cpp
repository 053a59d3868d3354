// Real sockets on 127.0.0.1 (port 0), io_context on 2 threads. Every wait
// here is bounded so a broken server fails the test instead of hanging it.
#include <doctest/doctest.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "node/client/http_client.h"
#include "node/net/http_server.h"
#include "support/attacker_sockets.h"
#include "tests/support/http_test_server.h"

using namespace nl::node;
using namespace nl::test;
using namespace std::chrono_literals;
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// A socket-level client whose every operation has a deadline.
class RawClient {
 public:
  explicit RawClient(uint16_t port) : stream_(ioc_) {
    beast::error_code ec;
    stream_.expires_after(5s);
    stream_.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port),
                          [&](beast::error_code e) { ec = e; });
    run();
    connected = !ec;
  }
  bool send(const std::string& bytes) {
    beast::error_code ec;
    stream_.expires_after(5s);
    net::async_write(stream_, net::buffer(bytes), [&](beast::error_code e, size_t) { ec = e; });
    run();
    return !ec;
  }
  // `head`: the answer is to a HEAD request, so it has no body whatever its Content-Length.
  std::optional<http::response<http::string_body>> read_response(std::chrono::seconds limit = 5s, bool head = false) {
    http::response_parser<http::string_body> parser;
    parser.skip(head);
    beast::error_code ec;
    stream_.expires_after(limit);
    http::async_read(stream_, buffer_, parser, [&](beast::error_code e, size_t) { ec = e; });
    run();
    if (ec) return std::nullopt;
    return parser.release();
  }
  // True if the server closes within the limit; what it sent goes to *got.
  bool closed_within(std::chrono::seconds limit, std::string* got = nullptr) {
    std::string all(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    stream_.expires_after(limit);
    beast::error_code ec;
    std::array<char, 4096> chunk;
    std::function<void()> more = [&] {
      stream_.async_read_some(net::buffer(chunk), [&](beast::error_code e, size_t n) {
        all.append(chunk.data(), n);
        if (e) ec = e;
        else more();
      });
    };
    more();
    run();
    if (got) *got = all;
    return ec && ec != beast::error::timeout;
  }
  void close() { stream_.close(); }
  bool connected = false;

 private:
  void run() {
    ioc_.restart();
    ioc_.run();
  }
  net::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

std::string get_request(const std::string& target, bool keep_alive = true) {
  return "GET " + target + " HTTP/1.1\r\nHost: t\r\n" + (keep_alive ? "" : "Connection: close\r\n") + "\r\n";
}

std::string error_of(const std::string& body) { return nlohmann::json::parse(body).at("error").get<std::string>(); }

}  // namespace

TEST_CASE("http: echo handler over the sync client") {
  TestServer srv(echo_handler());
  auto r = http_request(srv.url(), "POST", "/api/v1/echo?x=1", "{\"a\":1}", 5s);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error()));
  CHECK(r->status == 200);
  CHECK(r->content_type == "application/json");
  auto j = nlohmann::json::parse(r->body);
  CHECK(j["method"] == "POST");
  CHECK(j["target"] == "/api/v1/echo?x=1");
  CHECK(j["body"] == "{\"a\":1}");
  CHECK(j["remote"].get<std::string>().rfind("127.0.0.1:", 0) == 0);

  // A path prefix in the base URL is kept; a trailing slash is not doubled.
  auto g = http_request(srv.url() + "/api/", "GET", "/status", "", 5s);
  REQUIRE(g.ok());
  CHECK(nlohmann::json::parse(g->body)["target"] == "/api/status");
}

TEST_CASE("http: answers from another thread after a delay, concurrently") {
  SideThreads side;
  TestServer srv(
      [&side](HttpRequest r, Responder respond) {
        side.spawn([r = std::move(r), respond = std::move(respond)] {
          std::this_thread::sleep_for(200ms);
          respond(HttpResponse{202, "{\"late\":\"" + r.target + "\"}"});
          respond(HttpResponse{500, "{}"});  // only the first answer counts
        });
      },
      {}, &side);
  auto start = Clock::now();
  std::vector<std::thread> clients;
  std::atomic<int> good{0};
  for (int i = 0; i < 6; ++i)
    clients.emplace_back([&, i] {
      auto r = http_request(srv.url(), "GET", "/t" + std::to_string(i), "", 5s);
      if (r.ok() && r->status == 202 && r->body == "{\"late\":\"/t" + std::to_string(i) + "\"}") ++good;
    });
  for (auto& c : clients) c.join();
  CHECK(good == 6);
  CHECK(Clock::now() - start < 1500ms);  // the delays overlap
}

TEST_CASE("http: keep-alive serves several requests on one connection, pipelining too") {
  TestServer srv(echo_handler());
  RawClient c(srv.port);
  REQUIRE(c.connected);
  for (int i = 0; i < 5; ++i) {
    REQUIRE(c.send(get_request("/k" + std::to_string(i))));
    auto res = c.read_response();
    REQUIRE(res);
    CHECK(res->result_int() == 200);
    CHECK(res->keep_alive());
    CHECK(nlohmann::json::parse(res->body())["target"] == "/k" + std::to_string(i));
  }
  CHECK(srv.server.connection_count() == 1);
  REQUIRE(c.send(get_request("/p1") + get_request("/p2", false)));
  auto a = c.read_response();
  auto b = c.read_response();
  REQUIRE(a);
  REQUIRE(b);
  CHECK(nlohmann::json::parse(a->body())["target"] == "/p1");
  CHECK(nlohmann::json::parse(b->body())["target"] == "/p2");
  CHECK(!b->keep_alive());
  CHECK(c.closed_within(3s));
  CHECK(srv.wait_connections(0));
}

TEST_CASE("http: HEAD gets the headers and GET's Content-Length but no body; extra headers are written") {
  TestServer srv([](HttpRequest r, Responder respond) {
    HttpResponse res{200, "0123456789", "text/plain"};
    res.headers.emplace_back("X-Method", r.method);
    respond(res);
  });
  RawClient c(srv.port);
  REQUIRE(c.connected);
  REQUIRE(c.send("HEAD /h HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto h = c.read_response(5s, true);
  REQUIRE(h);
  CHECK(h->result_int() == 200);
  CHECK((*h)[http::field::content_length] == "10");
  CHECK((*h)[http::field::content_type] == "text/plain");
  CHECK((*h)["X-Method"] == "HEAD");
  CHECK(h->keep_alive());
  // Had a body been sent, this answer would be parsed from its bytes and fail.
  REQUIRE(c.send(get_request("/g", false)));
  auto g = c.read_response();
  REQUIRE(g);
  CHECK(g->result_int() == 200);
  CHECK(g->body() == "0123456789");
  CHECK((*g)["X-Method"] == "GET");
  std::string rest;
  CHECK(c.closed_within(3s, &rest));
  CHECK(rest.empty());
}

TEST_CASE("http: a body over the limit gets 413 and a JSON error") {
  TestServer srv(echo_handler());
  auto r = http_request(srv.url(), "POST", "/x", std::string(100 * 1024, 'a'), 5s);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error()));
  CHECK(r->status == 413);
  CHECK(r->body == R"({"error":"request body exceeds 65536 bytes"})");

  auto fits = http_request(srv.url(), "POST", "/x", std::string(60 * 1024, 'b'), 5s);
  REQUIRE(fits.ok());
  CHECK(fits->status == 200);

  // Chunked bodies hit the same limit while streaming.
  RawClient c(srv.port);
  REQUIRE(c.connected);
  std::string chunk(70000, 'c');
  char size_hex[16];
  std::snprintf(size_hex, sizeof size_hex, "%zx", chunk.size());
  c.send("POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" + std::string(size_hex) + "\r\n" + chunk +
         "\r\n0\r\n\r\n");
  auto res = c.read_response();
  REQUIRE(res);
  CHECK(res->result_int() == 413);
  CHECK(c.closed_within(3s));
}

TEST_CASE("http: Expect: 100-continue gets an interim answer") {
  TestServer srv(echo_handler());
  RawClient c(srv.port);
  REQUIRE(c.connected);
  REQUIRE(c.send("POST /e HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
  auto interim = c.read_response();
  REQUIRE(interim);
  CHECK(interim->result_int() == 100);
  REQUIRE(c.send("hello"));
  auto res = c.read_response();
  REQUIRE(res);
  CHECK(res->result_int() == 200);
  CHECK(nlohmann::json::parse(res->body())["body"] == "hello");
}

TEST_CASE("http: garbage gets 400 or a close, and the server keeps serving") {
  TestServer srv(echo_handler());
  {
    RawClient c(srv.port);
    REQUIRE(c.connected);
    c.send(std::string("\x00\xff GARBAGE\r\n\r\n", 14));
    std::string got;
    CHECK(c.closed_within(3s, &got));
    if (!got.empty()) {
      CHECK(got.rfind("HTTP/1.1 400", 0) == 0);
      CHECK(got.find("malformed HTTP request: ") != std::string::npos);
    }
  }
  {
    RawClient c(srv.port);
    c.send("GET / HTTP/1.1\r\nHost: t\r\nContent-Length: nope\r\n\r\n");
    auto res = c.read_response();
    REQUIRE(res);
    CHECK(res->result_int() == 400);
    CHECK(error_of(res->body()).rfind("malformed HTTP request: ", 0) == 0);
    CHECK(c.closed_within(3s));
  }
  auto r = http_request(srv.url(), "GET", "/after", "", 5s);
  REQUIRE(r.ok());
  CHECK(r->status == 200);
}

TEST_CASE("http: an oversized header is refused") {
  TestServer srv(echo_handler());
  RawClient c(srv.port);
  REQUIRE(c.connected);
  c.send("GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(10000, 'h') + "\r\n\r\n");
  auto res = c.read_response();
  REQUIRE(res);
  CHECK(res->result_int() == 431);
  CHECK(error_of(res->body()) == "request header exceeds 8192 bytes");
  CHECK(c.closed_within(3s));
  auto r = http_request(srv.url(), "GET", "/after", "", 5s);
  REQUIRE(r.ok());
  CHECK(r->status == 200);
}

TEST_CASE("http: silent clients neither block others nor stay forever") {
  HttpLimits limits;
  limits.header_timeout = 1s;
  TestServer srv(echo_handler(), limits);
  RawClient silent(srv.port), half(srv.port);
  REQUIRE(silent.connected);
  REQUIRE(half.send("GET / HTTP/1.1\r\nHost:"));  // never finishes
  auto start = Clock::now();
  auto r = http_request(srv.url(), "GET", "/", "", 5s);
  REQUIRE(r.ok());
  CHECK(Clock::now() - start < 500ms);
  CHECK(silent.closed_within(4s));
  CHECK(half.closed_within(4s));
  CHECK(srv.wait_connections(0));
}

TEST_CASE("http: many connections opened and closed, then the cap") {
  HttpLimits limits;
  limits.max_connections = 3;
  TestServer srv(echo_handler(), limits);
  for (int i = 0; i < 200; ++i) {
    RawClient c(srv.port);
    if (i % 3 == 0) c.send("GET / HTTP/1.1\r\n");  // some leave half a request behind
    c.close();
  }
  CHECK(srv.wait_connections(0));
  auto r = http_request(srv.url(), "GET", "/", "", 5s);
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  REQUIRE(srv.wait_connections(0));  // that one counts against the cap until it closes

  std::vector<std::unique_ptr<RawClient>> held;
  for (int i = 0; i < 3; ++i) held.push_back(std::make_unique<RawClient>(srv.port));
  REQUIRE(srv.wait_connections(3));
  RawClient extra(srv.port);
  CHECK(extra.closed_within(3s));  // over the cap: closed at once
  CHECK(srv.server.connection_count() == 3);
  held.pop_back();
  REQUIRE(srv.wait_connections(2));
  auto again = http_request(srv.url(), "GET", "/", "", 5s);
  REQUIRE(again.ok());
  CHECK(again->status == 200);
}

// A client that does not read keeps its answer in the server's memory; past
// HttpLimits::max_pending_bytes others get 503 for big answers, small ones
// still go, and the budget comes back when the client goes.
TEST_CASE("http: answers held for non-reading clients are bounded; past the budget, 503") {
  HttpLimits limits;
  limits.max_pending_bytes = 4 << 20;
  limits.write_timeout = 30s;
  const std::string big(16 << 20, 'x');  // more than loopback's socket buffers take
  TestServer srv(
      [&big](HttpRequest r, Responder respond) { respond({200, r.target == "/big" ? big : "{}", "text/plain"}); },
      limits);
  // The first big answer goes even though it alone passes the budget.
  int idle = nl::test::connect_from("127.0.0.1", srv.port, 4096);
  REQUIRE(idle >= 0);
  REQUIRE(nl::test::send_all(idle, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::this_thread::sleep_for(500ms);
  auto refused = http_request(srv.url(), "GET", "/big", "", 10s);
  REQUIRE(refused.ok());
  CHECK(refused->status == 503);
  CHECK(error_of(refused->body).find("MiB of answers") != std::string::npos);
  auto small = http_request(srv.url(), "GET", "/small", "", 5s);
  REQUIRE(small.ok());
  CHECK(small->status == 200);
  ::close(idle);
  bool served = false;
  for (int i = 0; i < 50 && !served; ++i) {
    auto r = http_request(srv.url(), "GET", "/big", "", 10s);
    served = r.ok() && r->status == 200 && r->body.size() == big.size();
    if (!served) std::this_thread::sleep_for(100ms);
  }
  CHECK(served);
}

TEST_CASE("http: handler failures become JSON errors") {
  TestServer srv([](HttpRequest r, Responder respond) {
    if (r.target == "/throw") throw std::runtime_error("boom");
    respond(HttpResponse{42, "{}"});  // not an HTTP status
  });
  auto t = http_request(srv.url(), "GET", "/throw", "", 5s);
  REQUIRE(t.ok());
  CHECK(t->status == 500);
  CHECK(error_of(t->body) == "internal error: boom");
  auto s = http_request(srv.url(), "GET", "/bad", "", 5s);
  REQUIRE(s.ok());
  CHECK(s->status == 500);
}

TEST_CASE("http: stop() with open connections returns promptly and closes them") {
  std::mutex mu;
  std::optional<Responder> parked;
  std::atomic<bool> have_parked{false};
  TestServer srv([&](HttpRequest, Responder respond) {
    std::lock_guard lock(mu);
    parked = std::move(respond);  // answered only after stop()
    have_parked = true;
  });
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 5; ++i) clients.push_back(std::make_unique<RawClient>(srv.port));
  REQUIRE(clients[0]->send(get_request("/parked")));
  REQUIRE(srv.wait_connections(5));
  auto deadline = Clock::now() + 3s;
  while (Clock::now() < deadline && !have_parked) std::this_thread::sleep_for(5ms);

  auto start = Clock::now();
  srv.server.stop();
  CHECK(Clock::now() - start < 100ms);
  CHECK(srv.wait_connections(0, 2000ms));
  for (auto& c : clients) CHECK(c->closed_within(2s));
  {
    std::lock_guard lock(mu);
    REQUIRE(parked.has_value());
    (*parked)(HttpResponse{200, "{}"});  // too late, and harmless
    parked.reset();  // a Responder must not outlive the io_context
  }
  auto r = http_request(srv.url(), "GET", "/", "", 2s);
  CHECK(!r.ok());
}

TEST_CASE("http: parse_host_port") {
  auto v4 = parse_host_port("127.0.0.1:8640");
  REQUIRE(v4.ok());
  CHECK(v4->first == "127.0.0.1");
  CHECK(v4->second == 8640);
  auto v6 = parse_host_port("[::1]:0");
  REQUIRE(v6.ok());
  CHECK(v6->first == "::1");
  CHECK(v6->second == 0);
  auto name = parse_host_port("localhost:65535");
  REQUIRE(name.ok());
  CHECK(name->second == 65535);

  auto err = [](const char* s) {
    auto r = parse_host_port(s);
    REQUIRE_MESSAGE(!r.ok(), s);
    return r.error();
  };
  CHECK(err("foo") == "'foo' is not HOST:PORT");
  CHECK(err("") == "'' is not HOST:PORT");
  CHECK(err(":8640") == "':8640' is not HOST:PORT");
  CHECK(err("host:") == "'host:' is not HOST:PORT");
  CHECK(err("[::1]") == "'[::1]' is not HOST:PORT");
  CHECK(err("[::1:80") == "'[::1:80' is not HOST:PORT");
  CHECK(err("::1:80").find("[ADDRESS]:PORT") != std::string::npos);
  CHECK(err("h:65536") == "'h:65536': port 65536 is out of range (0-65535)");
  CHECK(err("h:1234567") == "'h:1234567': port 1234567 is out of range (0-65535)");
  CHECK(err("h:-1") == "'h:-1': port '-1' is not a number");
  CHECK(err("h:80x") == "'h:80x': port '80x' is not a number");
}

TEST_CASE("http: listen and client errors are clear") {
  net::io_context ioc;
  HttpServer a(ioc, echo_handler());
  auto port = a.listen("127.0.0.1:0");
  REQUIRE(port.ok());
  CHECK(a.listen("127.0.0.1:0").error().find("already listening") != std::string::npos);
  HttpServer b(ioc, echo_handler());
  auto clash = b.listen("127.0.0.1:" + std::to_string(*port));
  REQUIRE(!clash.ok());
  CHECK(clash.error().rfind("cannot listen on 127.0.0.1:", 0) == 0);
  CHECK(!HttpServer(ioc, echo_handler()).listen("nonsense").ok());

  // A port that was just free: nobody listens there now.
  uint16_t closed_port;
  {
    tcp::acceptor probe(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    closed_port = probe.local_endpoint().port();
  }
  std::string url = "http://127.0.0.1:" + std::to_string(closed_port);
  auto refused = http_request(url, "GET", "/", "", 3s);
  REQUIRE(!refused.ok());
  CHECK(refused.error().rfind("cannot reach node at " + url + ": ", 0) == 0);

  auto https = http_request("https://127.0.0.1:1", "GET", "/", "", 3s);
  REQUIRE(!https.ok());
  CHECK(https.error().find("http://") != std::string::npos);
  CHECK(!http_request("http://127.0.0.1:99999", "GET", "/", "", 3s).ok());
  CHECK(!http_request("http://127.0.0.1:1", "FROB", "/", "", 3s).ok());
}
