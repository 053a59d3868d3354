// An HttpServer on 127.0.0.1 (port 0) with its io_context on two threads,
// for tests of the server and of the client; every wait is bounded.
#pragma once
#include <doctest/doctest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "node/net/http_server.h"

namespace nl::test {

using nl::node::HttpHandler;
using nl::node::HttpLimits;
using nl::node::HttpRequest;
using nl::node::HttpResponse;
using nl::node::HttpServer;
using nl::node::Responder;

// Threads that answer requests later; joined before the io_context dies.
struct SideThreads {
  std::mutex mu;
  std::vector<std::thread> threads;
  void spawn(std::function<void()> f) {
    std::lock_guard lock(mu);
    threads.emplace_back(std::move(f));
  }
  void join() {
    std::vector<std::thread> ts;
    {
      std::lock_guard lock(mu);
      ts.swap(threads);
    }
    for (auto& t : ts) t.join();
  }
  ~SideThreads() { join(); }
};

struct TestServer {
  explicit TestServer(HttpHandler h, HttpLimits limits = {}, SideThreads* side = nullptr)
      : side_(side), server(ioc, std::move(h), limits) {
    auto p = server.listen("127.0.0.1:0");
    REQUIRE_MESSAGE(p.ok(), (p.ok() ? "" : p.error()));
    port = *p;
    for (int i = 0; i < 2; ++i) threads.emplace_back([this] { ioc.run(); });
  }
  ~TestServer() {
    if (side_) side_->join();
    server.stop();
    work.reset();
    // stop() leaves no work behind, so run() returns by itself; force it if not.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!ioc.stopped() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ioc.stop();
    for (auto& t : threads) t.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
  bool wait_connections(size_t n, std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (server.connection_count() != n && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return server.connection_count() == n;
  }

  SideThreads* side_;
  boost::asio::io_context ioc;
  HttpServer server;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{ioc.get_executor()};
  std::vector<std::thread> threads;
  uint16_t port = 0;
};

// Answers every request with what it received, the peer address included.
inline HttpHandler echo_handler() {
  return [](HttpRequest r, Responder respond) {
    nlohmann::json j{{"method", r.method}, {"target", r.target}, {"body", r.body}, {"remote", r.remote}};
    respond(HttpResponse{200, j.dump()});
  };
}

}  // namespace nl::test
