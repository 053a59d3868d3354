// The RTR idle deadline runs from the router's last query: a session
// that asked once is dropped even while the cache keeps sending it Serial
// Notifies, and a router that keeps polling stays. In process, with
// short intervals.
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <mutex>
#include <thread>

#include "crypto/ed25519.h"
#include "node/rtr/rtr_pdu.h"
#include "node/rtr/rtr_server.h"
#include "support/attacker_sockets.h"

using namespace nl;
using namespace nl::node;
using namespace nl::test;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

std::string pdu(const rtr::Pdu& p) {
  Bytes b = rtr::encode(p);
  return std::string(b.begin(), b.end());
}

}  // namespace

TEST_CASE("rtr idle deadline: counted from the last query, not from our notifies") {
  crypto::init();
  std::mutex mu;
  uint32_t asn = 1;
  RtrOptions opts;
  opts.idle_timeout = 1s;
  opts.poll_interval = 20ms;
  opts.notify_min_interval = 100ms;
  boost::asio::io_context ioc;
  RtrServer server(ioc, [&]() -> std::optional<std::vector<RouteOrigin>> {
    std::lock_guard lk(mu);
    // A new set every poll: a notify to every session every 100 ms.
    return std::vector<RouteOrigin>{{ledger::Resource::parse("10.0.0.0/8").value(), 8, asn++}};
  }, opts);
  auto port = server.listen("127.0.0.1:0");
  REQUIRE_MESSAGE(port.ok(), port.error());
  std::thread io([&] { ioc.run(); });

  int silent = connect_from("127.0.0.1", *port);
  int polling = connect_from("127.0.0.1", *port);
  REQUIRE(silent >= 0);
  REQUIRE(polling >= 0);
  auto t0 = Clock::now();
  send_all(silent, pdu({1, rtr::ResetQuery{}}));
  send_all(polling, pdu({1, rtr::ResetQuery{}}));
  // The polling router asks every 400 ms (its answers are read and dropped).
  bool polling_closed = false;
  while (Clock::now() - t0 < 2500ms) {
    std::this_thread::sleep_for(400ms);
    send_all(polling, pdu({1, rtr::SerialQuery{server.session_id(1), server.serial()}}));
    polling_closed |= closed_by_peer(polling, 0ms);
  }
  CHECK_FALSE(polling_closed);
  // The silent one, notified all along, was closed about 1 s after its query.
  CHECK(closed_by_peer(silent, 0ms));
  ::close(silent);
  ::close(polling);
  server.stop();
  ioc.stop();
  io.join();
}
