// In-process peer networks for tests: an io_context on two threads, nodes
// that each have their own HttpServer with the /p2p upgrade hook and a
// P2pNetwork that records what it sees, and a raw WebSocket client (not a
// node) whose every operation has a deadline. Real sockets on 127.0.0.x.
#pragma once
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "node/net/http_server.h"
#include "node/p2p/p2p_handshake.h"
#include "node/p2p/p2p_network.h"
#include "fixtures.h"

namespace nl::test {

namespace p2pt {
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
}  // namespace p2pt

inline const crypto::Hash32 kP2pGenesis = crypto::sha256(as_bytes("p2p test genesis"));

// Polls `done` until it holds or `limit` passes.
inline bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  const auto deadline = p2pt::Clock::now() + limit;
  while (p2pt::Clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

struct Loop {
  p2pt::net::io_context ioc;
  p2pt::net::executor_work_guard<p2pt::net::io_context::executor_type> work{ioc.get_executor()};
  std::vector<std::thread> threads;
  Loop() {
    for (int i = 0; i < 2; ++i) threads.emplace_back([this] { ioc.run(); });
  }
  ~Loop() {
    work.reset();
    // Closing sessions finish their close handshakes; then force the rest.
    eventually([this] { return ioc.stopped(); }, std::chrono::seconds(3));
    ioc.stop();
    for (auto& t : threads) t.join();
  }
};

class TestNode {
 public:
  using Tweak = std::function<void(node::P2pOptions&)>;

  // Listens at once (port 0: any); the network starts with start().
  TestNode(Loop& loop, uint8_t seed, uint16_t port = 0)
      : loop_(loop),
        key_(seeded_key(seed)),
        http_(loop.ioc, [](node::HttpRequest, node::Responder respond) {
          respond(node::HttpResponse{426, "{\"error\":\"upgrade to websocket\"}"});
        }, {}, node::HttpUpgrade{"/p2p", [hook = hook_](p2pt::beast::tcp_stream&& s, p2pt::http::request<p2pt::http::string_body>&& r) {
          std::shared_ptr<node::P2pNetwork> n;
          {
            std::lock_guard lock(hook->mu);
            n = hook->net;
          }
          if (n) n->accept(std::move(s), std::move(r));
        }}) {
    auto p = http_.listen("127.0.0.1:" + std::to_string(port));
    if (!p) throw std::runtime_error(p.error());
    port_ = *p;
  }
  ~TestNode() { stop(); }

  void start(std::vector<std::string> peers = {}, const Tweak& tweak = {}) {
    node::P2pOptions o{.chain_id = kTestChain, .genesis_hash = kP2pGenesis, .node_key = key_};
    o.validator = true;
    o.peers = std::move(peers);
    o.best_height = [this] { return best_height.load(); };
    o.handshake_timeout = std::chrono::milliseconds(2000);
    o.redial_min = std::chrono::milliseconds(50);
    o.redial_max = std::chrono::milliseconds(500);
    o.log = [this](const std::string& line) {
      std::lock_guard lock(mu_);
      logs_.push_back(line);
    };
    if (tweak) tweak(o);
    auto n = std::make_shared<node::P2pNetwork>(
        loop_.ioc, std::move(o),
        [this](const node::PeerInfo& p, node::p2p::P2pMessage m) {
          if (on_message) on_message(p, m);
          std::lock_guard lock(mu_);
          messages_.emplace_back(p, std::move(m));
        },
        [this](const node::PeerInfo& p, bool up) {
          std::lock_guard lock(mu_);
          events_.emplace_back(p, up);
        });
    {
      std::lock_guard lock(mu_);
      net_ = n;
    }
    {
      std::lock_guard lock(hook_->mu);
      hook_->net = n;
    }
    n->start();
  }

  void stop() {
    std::shared_ptr<node::P2pNetwork> n;
    {
      std::lock_guard lock(mu_);
      n = net_;
    }
    if (n) n->stop();
    http_.stop();
  }

  node::P2pNetwork& net() { return *net_; }
  const crypto::SecretKey& key() const { return key_; }
  uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  size_t http_connections() const { return http_.connection_count(); }

  size_t log_count(std::string_view part) const {
    std::lock_guard lock(mu_);
    size_t n = 0;
    for (const auto& l : logs_) n += l.find(part) != std::string::npos;
    return n;
  }
  bool wait_log(std::string_view part, std::chrono::milliseconds limit = std::chrono::seconds(5)) const {
    return eventually([&] { return log_count(part) > 0; }, limit);
  }
  std::string log_text() const {
    std::lock_guard lock(mu_);
    std::string all;
    for (const auto& l : logs_) all += l + "\n";
    return all;
  }
  std::vector<std::pair<node::PeerInfo, node::p2p::P2pMessage>> messages() const {
    std::lock_guard lock(mu_);
    return messages_;
  }
  std::vector<std::pair<node::PeerInfo, bool>> peer_events() const {
    std::lock_guard lock(mu_);
    return events_;
  }
  // Heights of the status messages received, in order.
  std::vector<uint64_t> statuses() const {
    std::vector<uint64_t> out;
    for (auto& [p, m] : messages())
      if (auto* s = std::get_if<node::p2p::StatusMessage>(&m)) out.push_back(s->height);
    return out;
  }
  std::optional<node::PeerInfo> peer_with(const crypto::PublicKey& k) {
    for (auto& p : net().peers())
      if (p.key == k) return p;
    return std::nullopt;
  }
  bool wait_peers(size_t n, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    return eventually([&] { return net().peer_count() == n; }, limit);
  }

  std::atomic<uint64_t> best_height{0};
  std::function<void(const node::PeerInfo&, const node::p2p::P2pMessage&)> on_message;  // set before start()

 private:
  // What the upgrade hook reads; shared so that a hook call racing the
  // node's destruction still finds it.
  struct Hook {
    std::mutex mu;
    std::shared_ptr<node::P2pNetwork> net;
  };

  Loop& loop_;
  crypto::SecretKey key_;
  std::shared_ptr<Hook> hook_ = std::make_shared<Hook>();
  mutable std::mutex mu_;
  std::shared_ptr<node::P2pNetwork> net_;
  std::vector<std::string> logs_;
  std::vector<std::pair<node::PeerInfo, node::p2p::P2pMessage>> messages_;
  std::vector<std::pair<node::PeerInfo, bool>> events_;
  node::HttpServer http_;
  uint16_t port_ = 0;
};

// A WebSocket client that is not a node: it says whatever the test wants.
// From 127.0.0.2 by default, so that banning it spares the nodes on 127.0.0.1.
class RawPeer {
 public:
  explicit RawPeer(uint16_t port, const std::string& from_ip = "127.0.0.2") : port_(port), ws_(ioc_) {
    auto& sock = p2pt::beast::get_lowest_layer(ws_).socket();
    p2pt::beast::error_code ec;
    sock.open(p2pt::tcp::v4(), ec);
    if (!ec) sock.bind(p2pt::tcp::endpoint(p2pt::net::ip::make_address(from_ip), 0), ec);
    bind_error = ec;
  }

  // TCP connect and the WebSocket upgrade at `target`; `res` gets the HTTP answer.
  p2pt::beast::error_code upgrade(const std::string& target = "/p2p") {
    if (bind_error) return bind_error;
    auto ec = run([&](auto h) {
      p2pt::beast::get_lowest_layer(ws_).socket().async_connect(
          p2pt::tcp::endpoint(p2pt::net::ip::make_address("127.0.0.1"), port_), h);
    });
    if (ec) return ec;
    ws_.binary(true);
    return run([&](auto h) { ws_.async_handshake(response, "127.0.0.1", target, h); });
  }
  p2pt::beast::error_code send(const Bytes& frame) {
    ws_.binary(true);
    return run([&](auto h) { ws_.async_write(p2pt::net::buffer(frame), h); });
  }
  p2pt::beast::error_code send_text(const std::string& text) {
    ws_.text(true);
    return run([&](auto h) { ws_.async_write(p2pt::net::buffer(text), h); });
  }
  // The next frame, or the error that ended the connection.
  std::optional<Bytes> read(p2pt::beast::error_code* err = nullptr,
                            std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    p2pt::beast::flat_buffer buf;
    auto ec = ended_ ? ended_ : run([&](auto h) { ws_.async_read(buf, h); }, limit);
    if (err) *err = ec;
    if (ec && ec != p2pt::net::error::timed_out) ended_ = ec;  // reading on would only say "aborted"
    if (ec) return std::nullopt;
    auto d = buf.cdata();
    return Bytes(static_cast<const uint8_t*>(d.data()), static_cast<const uint8_t*>(d.data()) + d.size());
  }
  // Reads until the connection ends; the error that ended it.
  p2pt::beast::error_code wait_closed(std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    const auto deadline = p2pt::Clock::now() + limit;
    p2pt::beast::error_code ec;
    while (p2pt::Clock::now() < deadline)
      if (!read(&ec, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - p2pt::Clock::now()))) return ec;
    return p2pt::net::error::timed_out;
  }
  // A full handshake as node `key`: Hello, their Hello, HelloAuth, theirs.
  bool handshake(const crypto::SecretKey& key, const std::string& chain = kTestChain,
                 const crypto::Hash32& genesis = kP2pGenesis) {
    ours = node::p2p::make_hello(chain, genesis, key.public_key(), 0, false, node::p2p::random_nonce());
    if (send(node::p2p::encode(ours))) return false;
    auto h = read();
    if (!h) return false;
    auto theirs = node::p2p::decode(*h);
    if (!theirs || !std::holds_alternative<node::p2p::Hello>(*theirs)) return false;
    their_hello = std::get<node::p2p::Hello>(*theirs);
    if (send(node::p2p::encode(node::p2p::make_auth(key, ours, *their_hello)))) return false;
    auto a = read();
    if (!a) return false;
    auto auth = node::p2p::decode(*a);
    return auth && std::holds_alternative<node::p2p::HelloAuth>(*auth) &&
           !node::p2p::check_auth(ours, *their_hello, std::get<node::p2p::HelloAuth>(*auth));
  }
  void close() {
    run([&](auto h) { ws_.async_close(p2pt::websocket::close_code::normal, h); }, std::chrono::seconds(2));
  }
  void drop() {
    p2pt::beast::error_code ignored;
    p2pt::beast::get_lowest_layer(ws_).socket().close(ignored);
  }
  const p2pt::websocket::close_reason& close_reason() const { return ws_.reason(); }

  p2pt::beast::error_code bind_error;
  p2pt::websocket::response_type response;
  node::p2p::Hello ours;
  std::optional<node::p2p::Hello> their_hello;

 private:
  template <class Start>
  p2pt::beast::error_code run(Start start, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    std::optional<p2pt::beast::error_code> out;
    start([&out](p2pt::beast::error_code ec, auto&&...) { out = ec; });
    const auto deadline = p2pt::Clock::now() + limit;
    while (!out && p2pt::Clock::now() < deadline) {
      if (ioc_.stopped()) ioc_.restart();
      ioc_.run_one_until(deadline);
    }
    if (!out) {  // cancel, and let the operation finish with its error
      drop();
      while (!out) {
        if (ioc_.stopped()) ioc_.restart();
        ioc_.run_one_for(std::chrono::milliseconds(100));
      }
      return p2pt::net::error::timed_out;
    }
    return *out;
  }

  uint16_t port_;
  p2pt::beast::error_code ended_;  // what ended the connection, once a read saw it
  p2pt::net::io_context ioc_;
  p2pt::websocket::stream<p2pt::beast::tcp_stream> ws_;
};

}  // namespace nl::test
