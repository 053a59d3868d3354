// RTR (RFC 8210 with RFC 6810 fallback) served for real: the server in
// process (notify rate limit, connection cap, slow senders), then a real
// numledgerd with --rtr-listen, read by a raw
// socket client written here and by the Debian RTR client `rtrclient`
// (package rtr-tools), including the incremental update after a new
// authorization commits (Serial Notify -> Serial Query -> delta).
#include <doctest/doctest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <set>
#include <sstream>

#include <boost/asio/io_context.hpp>

#include "crypto/ed25519.h"
#include "node/rtr/rtr_pdu.h"
#include "node/rtr/rtr_server.h"
#include "node/rtr/vrp_snapshots.h"
#include "support/node_fixture.h"
#include "support/process.h"

using namespace nl;
using namespace nl::node;
using namespace nl::test;
using ledger::Resource;

namespace {

Resource res(const char* text) { return Resource::parse(text).value(); }

Bytes hex(const char* h) { return from_hex(h).value(); }

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

RouteOrigin origin(const char* prefix, uint8_t max_length, uint32_t asn) { return {res(prefix), max_length, asn}; }

// A blocking RTR client over a plain socket, for checks a library client
// would hide.
class RawClient {
 public:
  explicit RawClient(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  }
  ~RawClient() { ::close(fd_); }

  void send(const Bytes& b) { REQUIRE(::send(fd_, b.data(), b.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(b.size())); }
  void send(const rtr::Pdu& p) { send(rtr::encode(p)); }

  // The next PDU, or nullopt on timeout or end of stream (see closed()).
  std::optional<rtr::Pdu> read(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    Bytes head;
    if (!read_exact(head, rtr::kHeaderSize, timeout)) return std::nullopt;
    auto h = rtr::decode_header(head);
    REQUIRE(h.length >= rtr::kHeaderSize);
    REQUIRE(h.length <= 1u << 20);
    Bytes body;
    REQUIRE(read_exact(body, h.length - rtr::kHeaderSize, timeout));
    head.insert(head.end(), body.begin(), body.end());
    auto d = rtr::decode(head);
    if (auto* e = std::get_if<rtr::PduError>(&d)) FAIL("cache sent a malformed PDU: " << e->reason);
    return std::get<rtr::Pdu>(d);
  }

  // Everything up to and including End of Data, or a lone Cache Reset.
  // Serial Notify PDUs in between are collected separately.
  std::vector<rtr::Pdu> response() {
    std::vector<rtr::Pdu> out;
    for (;;) {
      auto p = read();
      REQUIRE_MESSAGE(p, "no complete response from the cache");
      if (std::holds_alternative<rtr::SerialNotify>(p->body)) {
        notifies.push_back(*p);
        continue;
      }
      out.push_back(*p);
      if (std::holds_alternative<rtr::EndOfData>(p->body) || std::holds_alternative<rtr::CacheReset>(p->body) ||
          std::holds_alternative<rtr::ErrorReport>(p->body))
        return out;
    }
  }

  // True when the cache closes the connection within `timeout`.
  bool closed(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    Bytes b;
    return !read_exact(b, 1, timeout) && eof_;
  }

  std::vector<rtr::Pdu> notifies;

 private:
  bool read_exact(Bytes& out, size_t n, std::chrono::milliseconds timeout) {
    timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    out.resize(n);
    size_t got = 0;
    while (got < n) {
      ssize_t r = ::recv(fd_, out.data() + got, n - got, 0);
      if (r == 0 || (r < 0 && errno == ECONNRESET)) {
        eof_ = true;
        return false;
      }
      if (r < 0) return false;  // timeout
      got += static_cast<size_t>(r);
    }
    return true;
  }
  int fd_ = -1;
  bool eof_ = false;
};

// The prefixes in a response, as route origins.
std::set<RouteOrigin> announced(const std::vector<rtr::Pdu>& pdus, bool announce = true) {
  std::set<RouteOrigin> out;
  for (const auto& p : pdus)
    if (auto* x = std::get_if<rtr::PrefixPdu>(&p.body); x && x->announce == announce)
      out.insert({x->prefix, x->max_length, x->asn});
  return out;
}

const rtr::EndOfData& end_of(const std::vector<rtr::Pdu>& pdus) {
  REQUIRE(!pdus.empty());
  REQUIRE(std::holds_alternative<rtr::EndOfData>(pdus.back().body));
  return std::get<rtr::EndOfData>(pdus.back().body);
}

uint16_t response_session(const std::vector<rtr::Pdu>& pdus) {
  REQUIRE(!pdus.empty());
  REQUIRE(std::holds_alternative<rtr::CacheResponse>(pdus.front().body));
  return std::get<rtr::CacheResponse>(pdus.front().body).session;
}

rtr::ErrorReport error_of(const std::optional<rtr::Pdu>& p) {
  REQUIRE_MESSAGE(p, "expected an Error Report");
  REQUIRE(std::holds_alternative<rtr::ErrorReport>(p->body));
  return std::get<rtr::ErrorReport>(p->body);
}

template <class F>
bool eventually(F&& f, std::chrono::seconds limit = std::chrono::seconds(15)) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (f()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return f();
}

// rtrclient -p prints "+ 10.1.0.0   16 -  24   64496" per update.
std::set<std::string> rtrclient_lines(const std::string& out) {
  std::set<std::string> lines;
  std::istringstream in(out);
  std::string sign, ip, min_len, dash, max_len, asn;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream l(line);
    if (l >> sign >> ip >> min_len >> dash >> max_len >> asn && (sign == "+" || sign == "-") && dash == "-")
      lines.insert(sign + " " + ip + "/" + min_len + "-" + max_len + " AS" + asn);
  }
  return lines;
}

}  // namespace

TEST_CASE("rtr server in process: notify rate limit, connection cap, slow senders") {
  crypto::init();
  std::mutex mu;
  std::vector<RouteOrigin> data = {origin("10.0.0.0/8", 8, 1)};
  bool dirty = true;
  RtrOptions opts;
  opts.max_connections = 2;
  opts.first_query_timeout = std::chrono::seconds(5);
  opts.pdu_timeout = std::chrono::seconds(1);
  opts.poll_interval = std::chrono::milliseconds(20);
  opts.notify_min_interval = std::chrono::milliseconds(1000);
  boost::asio::io_context ioc;
  RtrServer server(ioc, [&]() -> std::optional<std::vector<RouteOrigin>> {
    std::lock_guard lk(mu);
    if (!dirty) return std::nullopt;
    dirty = false;
    return data;
  }, opts);
  auto port = server.listen("127.0.0.1:0");
  REQUIRE_MESSAGE(port.ok(), port.error());
  CHECK(server.serial() == 1);  // serial 0 is the empty set before the first load
  std::thread io([&] { ioc.run(); });
  auto set_data = [&](std::vector<RouteOrigin> v) {
    std::lock_guard lk(mu);
    data = std::move(v);
    dirty = true;
  };

  {
    RawClient a(*port);
    a.send({1, rtr::ResetQuery{}});
    CHECK(announced(a.response()) == std::set{origin("10.0.0.0/8", 8, 1)});
    // The first change is announced at once...
    set_data({origin("10.0.0.0/8", 8, 1), origin("10.1.0.0/16", 16, 2)});
    auto n1 = a.read(std::chrono::seconds(5));
    REQUIRE(n1);
    CHECK(std::get<rtr::SerialNotify>(n1->body).serial == 2);
    // ...two more within the interval make one notify when it ends, with the newest serial.
    auto t0 = std::chrono::steady_clock::now();
    set_data({origin("10.1.0.0/16", 16, 2)});
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    set_data({});
    CHECK_FALSE(a.read(std::chrono::milliseconds(300)));
    auto n2 = a.read(std::chrono::seconds(5));
    REQUIRE(n2);
    CHECK(std::get<rtr::SerialNotify>(n2->body).serial == 4);
    CHECK(std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(700));
    CHECK_FALSE(a.read(std::chrono::milliseconds(1300)));
    a.send({1, rtr::SerialQuery{server.session_id(1), 2}});
    auto d = a.response();
    CHECK(announced(d, false) == std::set{origin("10.0.0.0/8", 8, 1), origin("10.1.0.0/16", 16, 2)});
    CHECK(end_of(d).serial == 4);

    // Two connections are the cap: a third is closed at once.
    RawClient b(*port);
    b.send({1, rtr::ResetQuery{}});
    CHECK(b.response().size() == 2);
    RawClient c(*port);
    CHECK(c.closed(std::chrono::seconds(2)));
  }
  REQUIRE(eventually([&] { return server.connection_count() == 0; }, std::chrono::seconds(5)));

  {
    // A PDU begun must be finished within pdu_timeout, however it trickles.
    RawClient slow(*port);
    auto t0 = std::chrono::steady_clock::now();
    slow.send(hex("010200"));
    for (int i = 0; i < 3; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      slow.send(hex("00"));
    }
    CHECK(slow.closed(std::chrono::seconds(3)));
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(2500));
    // Another router is served meanwhile and afterwards.
    RawClient ok(*port);
    ok.send({1, rtr::ResetQuery{}});
    CHECK(ok.response().size() == 2);
  }
  server.stop();
  CHECK(eventually([&] { return server.connection_count() == 0; }, std::chrono::seconds(5)));
  ioc.stop();
  io.join();
}

TEST_CASE("rtr cache in numledgerd: raw client, hostile peers, and rtrclient with incremental updates") {
  const std::string rtrclient = "/usr/bin/rtrclient";
  REQUIRE_MESSAGE(::access(rtrclient.c_str(), X_OK) == 0,
                  "rtrclient is not installed: install the Debian package rtr-tools (apt-get install rtr-tools)");
  NodeFixture n;
  int rtr_port = free_port();
  n.start({"--rtr-listen", "127.0.0.1:" + std::to_string(rtr_port), "--rtr-refresh", "900", "--rtr-retry", "300",
           "--rtr-expire", "3600"});
  n.roa("authorize", "10.1.0.0/16", "AS64496", 24);
  n.roa("authorize", "2001:db8:100::/40", "AS64497", 48);
  const std::set<RouteOrigin> first_set = {origin("10.1.0.0/16", 24, 64496), origin("2001:db8:100::/40", 48, 64497)};

  // v1 Reset Query: Cache Response, every prefix, End of Data with our intervals.
  uint16_t session = 0;
  uint32_t serial = 0;
  REQUIRE(eventually([&] {
    RawClient c(rtr_port);
    c.send({1, rtr::ResetQuery{}});
    auto r = c.response();
    session = response_session(r);
    serial = end_of(r).serial;
    for (const auto& p : r) CHECK(p.version == 1);
    CHECK(end_of(r).session == session);
    CHECK(end_of(r).intervals.refresh == 900);
    CHECK(end_of(r).intervals.retry == 300);
    CHECK(end_of(r).intervals.expire == 3600);
    return announced(r) == first_set && r.size() == 4;
  }));
  CHECK(contains(n.node.log(), "rtr on 127.0.0.1:" + std::to_string(rtr_port)));

  {
    RawClient c(rtr_port);
    // Serial Query with the current serial: an empty delta.
    c.send({1, rtr::SerialQuery{session, serial}});
    auto r = c.response();
    CHECK(r.size() == 2);
    CHECK(response_session(r) == session);
    CHECK(end_of(r).serial == serial);
    // Another session's serial, or one this cache never had: Cache Reset.
    c.send({1, rtr::SerialQuery{static_cast<uint16_t>(session ^ 1), serial}});
    r = c.response();
    REQUIRE(r.size() == 1);
    CHECK(std::holds_alternative<rtr::CacheReset>(r[0].body));
    c.send({1, rtr::SerialQuery{session, serial + 1000}});
    r = c.response();
    CHECK(std::holds_alternative<rtr::CacheReset>(r.at(0).body));
    // A session speaks one version: a v0 query now is refused and closes it.
    c.send({0, rtr::ResetQuery{}});
    auto e = error_of(c.read());
    CHECK(e.code == rtr::ErrorCode::unexpected_version);
    CHECK(e.pdu == hex("0002000000000008"));
    CHECK(c.closed());
  }
  uint16_t session_v0 = 0;
  {
    // A version 0 router gets version 0 PDUs, End of Data without
    // intervals, and its own session id.
    RawClient c(rtr_port);
    c.send({0, rtr::ResetQuery{}});
    auto r = c.response();
    for (const auto& p : r) CHECK(p.version == 0);
    CHECK(announced(r) == first_set);
    session_v0 = response_session(r);
    CHECK(session_v0 != session);
    CHECK(end_of(r).intervals.refresh == 0);
    c.send({0, rtr::SerialQuery{session_v0, end_of(r).serial}});
    CHECK(c.response().size() == 2);
    c.send({0, rtr::SerialQuery{session, end_of(r).serial}});  // the v1 session id
    CHECK(std::holds_alternative<rtr::CacheReset>(c.response().at(0).body));
  }
  {
    // Garbage: an HTTP request. Error Report "Unsupported Protocol Version", then close.
    RawClient c(rtr_port);
    std::string http = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    c.send(Bytes(http.begin(), http.end()));
    auto e = error_of(c.read());
    CHECK(e.code == rtr::ErrorCode::unsupported_version);
    CHECK(e.pdu == Bytes{'G', 'E', 'T', ' ', '/', ' ', 'H', 'T'});
    CHECK(contains(e.text, "version 71"));
    CHECK(c.closed());
  }
  {
    // A huge length field: refused after the header, without waiting for the body.
    RawClient c(rtr_port);
    c.send(hex("010200007fffffff"));
    auto e = error_of(c.read());
    CHECK(e.code == rtr::ErrorCode::corrupt_data);
    CHECK(contains(e.text, "2147483647"));
    CHECK(c.closed());
  }
  {
    // A fixed-size type whose length field is wrong is refused from the
    // header alone, at once, not after the 30 s PDU timeout.
    for (const char* header : {"0102000000000064", "000200000000000c", "0101000000000010",
                               "0007000000000018"}) {
      CAPTURE(header);
      RawClient c(rtr_port);
      Bytes sent = hex(header);
      c.send(Bytes(sent.begin(), sent.begin() + rtr::kHeaderSize));  // the header, nothing more
      auto t0 = std::chrono::steady_clock::now();
      auto e = error_of(c.read(std::chrono::seconds(3)));
      CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
      CHECK(e.code == rtr::ErrorCode::corrupt_data);
      CHECK(e.pdu == Bytes(sent.begin(), sent.begin() + rtr::kHeaderSize));
      CHECK(c.closed());
    }
  }
  {
    // RFC 8210 §7: after version 1 is negotiated, a PDU of any other
    // version, even one this cache does not know, is Unexpected Protocol
    // Version (code 8).
    RawClient c(rtr_port);
    c.send({1, rtr::ResetQuery{}});
    CHECK(announced(c.response()) == first_set);
    c.send(hex("0202000000000008"));
    auto t0 = std::chrono::steady_clock::now();
    auto e = c.read(std::chrono::seconds(3));
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
    CHECK(error_of(e).code == rtr::ErrorCode::unexpected_version);
    CHECK(e->version == 1);
    CHECK(error_of(e).pdu == hex("0202000000000008"));
    CHECK(c.closed());
  }
  for (const char* other : {"0102000000000008", "0202000000000008"}) {
    // RFC 6810 has no code 8: a version 0 session gets Unsupported Protocol
    // Version, in version 0, for any other version.
    CAPTURE(other);
    RawClient c(rtr_port);
    c.send({0, rtr::ResetQuery{}});
    CHECK(announced(c.response()) == first_set);
    c.send(hex(other));
    auto e = c.read(std::chrono::seconds(3));
    CHECK(error_of(e).code == rtr::ErrorCode::unsupported_version);
    CHECK(e->version == 0);
    CHECK(error_of(e).pdu == hex(other));
    CHECK(c.closed());
  }
  {
    // A malformed PDU of a plausible length, and a PDU type a cache does not take.
    RawClient c(rtr_port);
    c.send(hex("0101000000000008"));
    auto e = error_of(c.read());
    CHECK(e.code == rtr::ErrorCode::corrupt_data);
    CHECK(e.pdu == hex("0101000000000008"));
    CHECK(c.closed());
    // A type the protocol knows but only a cache sends is an Invalid
    // Request (RFC 8210 §12); Unsupported PDU Type is for unknown types.
    RawClient d(rtr_port);
    d.send({1, rtr::CacheResponse{1}});
    auto de = error_of(d.read());
    CHECK(de.code == rtr::ErrorCode::invalid_request);
    CHECK(de.pdu == hex("0103000100000008"));
    CHECK(d.closed());
    RawClient g(rtr_port);
    g.send(hex("0109000000000008"));  // Router Key: a version 1 type only caches send
    CHECK(error_of(g.read()).code == rtr::ErrorCode::invalid_request);
    CHECK(g.closed());
    RawClient g0(rtr_port);
    g0.send(hex("0009000000000008"));  // RFC 6810 has no type 9
    auto g0e = g0.read();
    CHECK(error_of(g0e).code == rtr::ErrorCode::unsupported_pdu_type);
    CHECK(g0e->version == 0);
    CHECK(g0.closed());
    RawClient n0(rtr_port);
    n0.send({0, rtr::SerialNotify{1, 2}});
    CHECK(error_of(n0.read()).code == rtr::ErrorCode::invalid_request);
    CHECK(n0.closed());
    RawClient f(rtr_port);
    f.send(hex("0102000000000008" "0105000000000008"));  // a good query, then an unknown type
    auto r = f.response();
    CHECK(announced(r) == first_set);
    CHECK(error_of(f.read()).code == rtr::ErrorCode::unsupported_pdu_type);
    CHECK(f.closed());
  }
  {
    // The cache keeps serving after all that; a router's own Error Report ends its session quietly.
    RawClient c(rtr_port);
    c.send({1, rtr::ResetQuery{}});
    CHECK(announced(c.response()) == first_set);
    c.send({1, rtr::ErrorReport{rtr::ErrorCode::withdrawal_of_unknown_record, {}, "test"}});
    CHECK(c.closed());
    CHECK_FALSE(c.read(std::chrono::milliseconds(100)));
    // A malformed Error Report is not answered with another: the cache just closes.
    RawClient d(rtr_port);
    d.send(hex("010a000000000010" "000000ff" "00000000"));
    CHECK(d.closed());
  }

  // rtrclient receives the full set...
  Daemon client;
  client.start({"/usr/bin/stdbuf", "-oL", rtrclient, "tcp", "-p", "127.0.0.1", std::to_string(rtr_port)},
               n.dir / "rtrclient.log");
  const std::string client_out = n.dir / "rtrclient.log.out";
  const std::set<std::string> initial = {"+ 10.1.0.0/16-24 AS64496", "+ 2001:db8:100::/40-48 AS64497"};
  bool synced = eventually([&] { return rtrclient_lines(slurp(client_out)) == initial; });
  CHECK_MESSAGE(synced, "rtrclient output:\n" << slurp(client_out) << "\nstderr:\n" << client.log());

  // ...and so does a raw router that then waits for news.
  RawClient watcher(rtr_port);
  watcher.send({1, rtr::ResetQuery{}});
  auto full = watcher.response();
  uint32_t before = end_of(full).serial;

  // A new authorization commits: Serial Notify, then the increment.
  n.roa("authorize", "10.2.0.0/16", "AS64498", 20);
  auto note = watcher.read(std::chrono::seconds(10));
  REQUIRE_MESSAGE(note, "no Serial Notify after a new authorization");
  REQUIRE(std::holds_alternative<rtr::SerialNotify>(note->body));
  CHECK(std::get<rtr::SerialNotify>(note->body).session == session);
  uint32_t after = std::get<rtr::SerialNotify>(note->body).serial;
  CHECK(after == before + 1);
  watcher.send({1, rtr::SerialQuery{session, before}});
  auto delta = watcher.response();
  CHECK(announced(delta) == std::set{origin("10.2.0.0/16", 20, 64498)});
  CHECK(announced(delta, false).empty());
  CHECK(end_of(delta).serial == after);

  auto with_new = initial;
  with_new.insert("+ 10.2.0.0/16-20 AS64498");
  bool updated = eventually([&] { return rtrclient_lines(slurp(client_out)) == with_new; });
  CHECK_MESSAGE(updated, "rtrclient output:\n" << slurp(client_out) << "\nstderr:\n" << client.log());
  CHECK(client.running());

  // A withdrawal: the delta from each older serial is exactly the difference.
  n.roa("withdraw", "10.1.0.0/16", "AS64496", 24);
  RawClient late(rtr_port);
  REQUIRE(eventually([&] {
    late.send({1, rtr::SerialQuery{session, after}});
    auto r = late.response();
    return end_of(r).serial == after + 1 && announced(r, false) == std::set{origin("10.1.0.0/16", 24, 64496)} &&
           announced(r).empty();
  }));
  late.send({1, rtr::SerialQuery{session, before}});
  auto both = late.response();
  CHECK(announced(both) == std::set{origin("10.2.0.0/16", 20, 64498)});
  CHECK(announced(both, false) == std::set{origin("10.1.0.0/16", 24, 64496)});
  // The watcher was notified less than a minute ago: the next notify waits (RFC 8210 §8.2).
  auto early = watcher.read(std::chrono::milliseconds(700));
  CHECK_FALSE(early);

  CHECK(client.kill(SIGKILL) == 128 + SIGKILL);
  CHECK(n.node.running());
  CHECK(n.node.kill(SIGTERM) == 0);
}
