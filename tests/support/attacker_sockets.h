// Raw sockets for hostile tests: connections from a chosen loopback
// source address (the attacker on 127.0.0.2, the honest client on
// 127.0.0.1), checks that the server closed them, and the node's RSS.
#pragma once
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace nl::test {

// Where hostile tests and bench_hostile attack from; honest clients stay on 127.0.0.1.
inline const std::string kAttacker = "127.0.0.2";

// The test holds hundreds of sockets: lift its own soft limit.
inline void raise_own_fd_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

// A blocking connect from `source` to 127.0.0.1:port; -1 if refused or
// not done within 2 s. A receive buffer size (`rcvbuf` > 0) is set before
// connecting, so that the window it offers is small from the start.
inline int connect_from(const std::string& source, int port, int rcvbuf = 0) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (rcvbuf > 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  sockaddr_in src{};
  src.sin_family = AF_INET;
  ::inet_pton(AF_INET, source.c_str(), &src.sin_addr);
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_port = htons(static_cast<uint16_t>(port));
  dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

inline bool send_all(int fd, const std::string& data) {
  return ::send(fd, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
}

// True when the peer has closed (EOF or reset) by `timeout`; what it sent
// before is read and discarded.
inline bool closed_by_peer(int fd, std::chrono::milliseconds timeout) {
  auto end = std::chrono::steady_clock::now() + timeout;
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) continue;
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) return true;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    ::poll(&p, 1, static_cast<int>(left.count()));
  }
}

// True when the peer has closed (FIN or reset) by `timeout`, without
// reading anything: for a client that must never read.
inline bool gone_unread(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLRDHUP, 0};
  return ::poll(&p, 1, static_cast<int>(timeout.count())) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

// Sockets the attacker holds; closed with the set.
struct SocketSet {
  std::vector<int> fds;
  SocketSet() = default;
  SocketSet(const SocketSet&) = delete;
  SocketSet& operator=(const SocketSet&) = delete;
  ~SocketSet() { close_all(); }
  void close_all() {
    for (int fd : fds) ::close(fd);
    fds.clear();
  }
  // Opens up to n connections from `source`; a refused one is not kept.
  void open(const std::string& source, int port, size_t n) {
    for (size_t i = 0; i < n; ++i)
      if (int fd = connect_from(source, port); fd >= 0) fds.push_back(fd);
  }
  void send_each(const std::string& data) {
    for (int fd : fds) send_all(fd, data);
  }
  // How many the server has not closed, after giving it `settle` to close them.
  size_t still_open(std::chrono::milliseconds settle = std::chrono::milliseconds(500)) {
    std::this_thread::sleep_for(settle);
    size_t open = 0;
    for (int fd : fds)
      if (!closed_by_peer(fd, std::chrono::milliseconds(0))) ++open;
    return open;
  }
  // Waits until every socket was closed by the server; false at `timeout`.
  bool all_closed_within(std::chrono::milliseconds timeout) {
    auto end = std::chrono::steady_clock::now() + timeout;
    for (int fd : fds) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
      if (!closed_by_peer(fd, std::max(left, std::chrono::milliseconds(0)))) return false;
    }
    return true;
  }
};

// The resident set of a process, in KiB (VmRSS in /proc/PID/status); 0 if unreadable.
inline uint64_t rss_kib(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  while (in >> key) {
    if (key == "VmRSS:") {
      uint64_t kib = 0;
      in >> kib;
      return kib;
    }
    in.ignore(4096, '\n');
  }
  return 0;
}

}  // namespace nl::test
