// A second RTR client beside the router, for bench_roa_to_router: it sees
// the node's Serial Notify PDUs as they leave the cache (same loopback as
// the router) and answers each with a Serial Query, so that it learns
// which notify carried which route origin. Header-only, like the other
// bench support.
#pragma once
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "node/rtr/rtr_pdu.h"

namespace nl::bench {

// "10.1.0.0/24-24 AS64500": how BIRD prints a ROA, and the key used here.
inline std::string roa_key(const ledger::Resource& prefix, unsigned max_length, uint32_t asn) {
  return prefix.to_string() + "-" + std::to_string(max_length) + " AS" + std::to_string(asn);
}

class RtrNotifyWatch {
 public:
  using Time = std::chrono::system_clock::time_point;
  explicit RtrNotifyWatch(unsigned port) : port_(port) { thread_ = std::thread([this] { loop(); }); }
  ~RtrNotifyWatch() {
    running_ = false;
    thread_.join();
    if (fd_ >= 0) ::close(fd_);
  }
  RtrNotifyWatch(const RtrNotifyWatch&) = delete;
  RtrNotifyWatch& operator=(const RtrNotifyWatch&) = delete;

  // When the Serial Notify that announced `key` arrived; nullopt when it
  // came in no notified delta (yet).
  std::optional<Time> notified(const std::string& key) const {
    std::lock_guard lk(mu_);
    auto it = at_.find(key);
    if (it == at_.end()) return std::nullopt;
    return it->second;
  }
  size_t notifies() const { return notifies_.load(); }
  bool synced() const { return synced_.load(); }
  std::string error() const {
    std::lock_guard lk(mu_);
    return error_;
  }

 private:
  void loop() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port_));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return set_error("connect");
    send({1, node::rtr::ResetQuery{}});
    std::optional<Time> pending;  // the notify whose delta is being read
    while (running_) {
      auto p = next();
      if (!p) {
        if (!error().empty()) return;
        continue;
      }
      if (std::holds_alternative<node::rtr::SerialNotify>(p->body)) {
        ++notifies_;
        pending = std::chrono::system_clock::now();
        send({1, node::rtr::SerialQuery{session_, serial_}});
      } else if (auto* r = std::get_if<node::rtr::CacheResponse>(&p->body)) {
        session_ = r->session;
      } else if (auto* x = std::get_if<node::rtr::PrefixPdu>(&p->body)) {
        if (pending && x->announce) {
          std::lock_guard lk(mu_);
          at_.emplace(roa_key(x->prefix, x->max_length, x->asn), *pending);
        }
      } else if (auto* e = std::get_if<node::rtr::EndOfData>(&p->body)) {
        serial_ = e->serial;
        synced_ = true;
      } else if (std::holds_alternative<node::rtr::CacheReset>(p->body)) {
        send({1, node::rtr::ResetQuery{}});
      } else if (std::holds_alternative<node::rtr::ErrorReport>(p->body)) {
        return set_error("the cache sent an Error Report");
      }
    }
  }

  // The next whole PDU, or nullopt after 100 ms without one.
  std::optional<node::rtr::Pdu> next() {
    for (;;) {
      if (buf_.size() >= node::rtr::kHeaderSize) {
        auto h = node::rtr::decode_header(buf_);
        if (h.length < node::rtr::kHeaderSize || h.length > node::rtr::kMaxPduSize) {
          set_error("bad PDU length");
          return std::nullopt;
        }
        if (buf_.size() >= h.length) {
          auto d = node::rtr::decode(ByteView(buf_.data(), h.length));
          buf_.erase(buf_.begin(), buf_.begin() + h.length);
          if (auto* p = std::get_if<node::rtr::Pdu>(&d)) return *p;
          set_error(std::get<node::rtr::PduError>(d).reason);
          return std::nullopt;
        }
      }
      pollfd pfd{fd_, POLLIN, 0};
      if (::poll(&pfd, 1, 100) <= 0) return std::nullopt;
      uint8_t chunk[65536];
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) {
        set_error("the cache closed the connection");
        return std::nullopt;
      }
      buf_.insert(buf_.end(), chunk, chunk + n);
    }
  }
  void send(const node::rtr::Pdu& p) {
    auto b = node::rtr::encode(p);
    if (::send(fd_, b.data(), b.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(b.size())) set_error("send");
  }
  void set_error(const std::string& why) {
    std::lock_guard lk(mu_);
    if (error_.empty()) error_ = why;
  }

  unsigned port_;
  int fd_ = -1;
  Bytes buf_;
  uint16_t session_ = 0;
  uint32_t serial_ = 0;
  std::atomic<bool> running_{true}, synced_{false};
  std::atomic<size_t> notifies_{0};
  mutable std::mutex mu_;
  std::map<std::string, Time> at_;
  std::string error_;
  std::thread thread_;
};

}  // namespace nl::bench
