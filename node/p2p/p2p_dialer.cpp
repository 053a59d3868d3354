#include "node/p2p/p2p_dialer.h"

#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/stream_base.hpp>

namespace nl::node {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

PeerDialer::PeerDialer(net::io_context& ioc, size_t index, std::string address, std::string host, uint16_t port,
                       RedialBackoff backoff, std::chrono::milliseconds connect_timeout,
                       std::weak_ptr<DialerHost> host_owner)
    : strand_(net::make_strand(ioc)),
      index_(index),
      address_(std::move(address)),
      host_(std::move(host)),
      port_(port),
      backoff_(std::move(backoff)),
      connect_timeout_(connect_timeout),
      owner_(std::move(host_owner)),
      timer_(strand_),
      resolver_(strand_) {}

void PeerDialer::start() {
  net::post(strand_, [self = shared_from_this()] {
    if (self->state_ == State::idle) self->dial();
  });
}

void PeerDialer::stop() {
  net::post(strand_, [self = shared_from_this()] {
    self->state_ = State::stopped;
    self->timer_.cancel();
    self->resolver_.cancel();
    if (self->ws_) beast::get_lowest_layer(*self->ws_).close();
  });
}

void PeerDialer::session_ended(SessionEnd end) {
  net::post(strand_, [self = shared_from_this(), end = std::move(end)] {
    if (self->state_ != State::connected) return;
    if (end.self) {
      self->state_ = State::self;
      if (auto o = self->owner_.lock()) o->log("numledgerd: p2p: not redialling " + self->address_ + ": it is this node");
      return;
    }
    self->backoff_.connection_ended(end.lasted);
    if (end.claimed_key) self->known_key_ = end.claimed_key;
    auto o = self->owner_.lock();
    if (!o) return;
    if (self->known_key_ && o->key_connected(*self->known_key_)) {
      self->state_ = State::parked;  // that node is connected another way; key_left() wakes us
      return;
    }
    const auto delay = self->backoff_.next();
    // Refused by the other end before the handshake finished: nobody said why yet.
    if (end.lasted == std::chrono::steady_clock::duration::zero() && !end.logged && !end.duplicate)
      o->log("numledgerd: p2p: dial " + self->address_ + ": handshake failed: " + end.reason + "; retrying in " +
             std::to_string(delay.count()) + " ms");
    self->schedule(delay);
  });
}

void PeerDialer::key_left(crypto::PublicKey key) {
  net::post(strand_, [self = shared_from_this(), key] {
    if (self->state_ != State::parked || self->known_key_ != key) return;
    self->backoff_.reset();
    self->schedule(self->backoff_.next());
  });
}

void PeerDialer::schedule(std::chrono::milliseconds delay) {
  state_ = State::waiting;
  timer_.expires_after(delay);
  timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec && self->state_ == State::waiting) self->dial();
  });
}

void PeerDialer::dial() {
  auto o = owner_.lock();
  if (!o) return;
  if (known_key_ && o->key_connected(*known_key_)) {
    state_ = State::parked;
    return;
  }
  state_ = State::dialling;
  resolver_.async_resolve(host_, std::to_string(port_),
                          beast::bind_front_handler(&PeerDialer::on_resolve, shared_from_this()));
}

void PeerDialer::on_resolve(beast::error_code ec, tcp::resolver::results_type results) {
  if (state_ != State::dialling) return;
  if (ec) return failed("cannot resolve '" + host_ + "': " + ec.message());
  ws_.emplace(strand_);
  beast::get_lowest_layer(*ws_).expires_after(connect_timeout_);
  beast::get_lowest_layer(*ws_).async_connect(results,
                                              beast::bind_front_handler(&PeerDialer::on_connect, shared_from_this()));
}

void PeerDialer::on_connect(beast::error_code ec, tcp::endpoint ep) {
  if (state_ != State::dialling) return;
  if (ec) return failed("connect: " + ec.message());
  remote_ip_ = ep.address().to_string();
  beast::get_lowest_layer(*ws_).expires_never();
  ws_->set_option(websocket::stream_base::timeout{connect_timeout_, websocket::stream_base::none(), false});
  ws_->set_option(websocket::stream_base::decorator(
      [](websocket::request_type& req) { req.set(beast::http::field::user_agent, "numledger"); }));
  const std::string host_header = (host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_) + ":" +
                                  std::to_string(port_);
  ws_->async_handshake(host_header, "/p2p", beast::bind_front_handler(&PeerDialer::on_upgrade, shared_from_this()));
}

void PeerDialer::on_upgrade(beast::error_code ec) {
  if (state_ != State::dialling) return;
  if (ec) return failed("websocket upgrade at /p2p: " + ec.message());
  auto o = owner_.lock();
  if (!o) return;
  state_ = State::connected;
  PeerSession::Ws ws = std::move(*ws_);
  ws_.reset();
  o->dialled(index_, std::move(ws), address_, remote_ip_);
}

void PeerDialer::failed(const std::string& reason) {
  if (ws_) {
    beast::get_lowest_layer(*ws_).close();
    ws_.reset();
  }
  const auto delay = backoff_.next();
  if (auto o = owner_.lock())
    o->log("numledgerd: p2p: dial " + address_ + " failed: " + reason + "; retrying in " +
           std::to_string(delay.count()) + " ms");
  schedule(delay);
}

}  // namespace nl::node
