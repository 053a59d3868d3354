// A hostile /p2p peer for multi-process tests: a blocking Beast WebSocket
// client (not a node) that connects from a chosen loopback source address,
// can shrink its receive buffer (so a node's replies back up at once when
// it stops reading), does the full signed-nonce handshake with any key
// (a fresh one, or a validator's read from its key file), and then sends
// whatever frames the test wants.
#pragma once
#include <sodium.h>
#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <optional>
#include <string>

#include "crypto/ed25519.h"
#include "crypto/basics/result.h"
#include "node/transport/p2p_message.h"
#include "attacker_sockets.h"

namespace nl::test {

class HostileP2pPeer {
 public:
  using tcp = boost::asio::ip::tcp;

  // `rcvbuf` > 0: the socket's receive buffer in bytes, set before connecting.
  HostileP2pPeer(unsigned port, std::string from_ip, crypto::SecretKey key = crypto::SecretKey::generate(),
                 int rcvbuf = 0)
      : port_(port), from_ip_(std::move(from_ip)), key_(std::move(key)), rcvbuf_(rcvbuf) {}

  // TCP connect from `from_ip` and the WebSocket upgrade at /p2p.
  boost::beast::error_code open() {
    boost::beast::error_code ec;
    auto& sock = ws_.next_layer().socket();
    sock.open(tcp::v4(), ec);
    if (ec) return ec;
    if (rcvbuf_ > 0) ::setsockopt(sock.native_handle(), SOL_SOCKET, SO_RCVBUF, &rcvbuf_, sizeof rcvbuf_);
    sock.bind(tcp::endpoint(boost::asio::ip::make_address(from_ip_), 0), ec);
    if (ec) return ec;
    ws_.next_layer().expires_after(std::chrono::seconds(5));
    ws_.next_layer().connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port_), ec);
    if (ec) return ec;
    ws_.binary(true);
    ws_.read_message_max(64 * 1024 * 1024);
    ws_.handshake("127.0.0.1:" + std::to_string(port_), "/p2p", ec);
    return ec;
  }
  boost::beast::error_code send(const Bytes& frame) {
    boost::beast::error_code ec;
    ws_.next_layer().expires_after(std::chrono::seconds(10));
    ws_.write(boost::asio::buffer(frame.data(), frame.size()), ec);
    return ec;
  }
  // The next frame; nullopt when the connection ended or `limit` passed.
  std::optional<Bytes> read(std::chrono::milliseconds limit) {
    boost::beast::flat_buffer buf;
    ws_.next_layer().expires_after(limit);
    last_ = {};
    ws_.read(buf, last_);
    if (last_) return std::nullopt;
    auto d = buf.data();
    const auto* p = static_cast<const uint8_t*>(d.data());
    return Bytes(p, p + d.size());
  }
  // The next frame that decodes to M, skipping others; nullopt at `limit`.
  template <class M>
  std::optional<M> read_until(std::chrono::milliseconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      auto f = read(std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now()));
      if (!f) return std::nullopt;
      auto m = node::p2p::decode(*f);
      if (m && std::holds_alternative<M>(*m)) return std::get<M>(std::move(*m));
    }
    return std::nullopt;
  }
  // True when the node ends the connection within `limit` (frames it still
  // sends are skipped).
  bool dropped_within(std::chrono::milliseconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
      if (!read(left + std::chrono::milliseconds(100))) return last_ != boost::beast::error::timeout;
    }
    return false;
  }
  // Hello, then HelloAuth over the node's nonce; the error, if the node did
  // not answer with its own HelloAuth (it refuses a banned key or a full
  // slot after that, by closing).
  Status handshake(const std::string& chain_id, const crypto::Hash32& genesis_hash) {
    auto first = read(std::chrono::seconds(5));
    if (!first) return fail("no Hello from the node: " + last_.message());
    auto theirs = node::p2p::decode(*first);
    if (!theirs || !std::holds_alternative<node::p2p::Hello>(*theirs)) return fail("the node's first frame is not a Hello");
    const auto& hello = std::get<node::p2p::Hello>(*theirs);
    node::p2p::Hello mine;
    mine.chain_id = chain_id;
    mine.genesis_hash = genesis_hash;
    mine.node_key = key_.public_key();
    randombytes_buf(mine.nonce.data(), mine.nonce.size());
    if (auto ec = send(node::p2p::encode(mine))) return fail("send Hello: " + ec.message());
    node::p2p::HelloAuth auth{key_.sign(node::p2p::auth_sign_bytes(chain_id, genesis_hash, hello.nonce, mine.node_key))};
    if (auto ec = send(node::p2p::encode(auth))) return fail("send HelloAuth: " + ec.message());
    auto back = read(std::chrono::seconds(5));
    if (!back) return fail("no HelloAuth from the node: " + last_.message());
    return {};
  }
  void close() {
    boost::beast::error_code ec;
    ws_.next_layer().expires_after(std::chrono::seconds(2));
    ws_.close(boost::beast::websocket::close_code::normal, ec);
  }
  const crypto::SecretKey& key() const { return key_; }

 private:
  unsigned port_;
  std::string from_ip_;
  crypto::SecretKey key_;
  int rcvbuf_;
  boost::asio::io_context ioc_;
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_{ioc_};
  boost::beast::error_code last_;
};

}  // namespace nl::test
