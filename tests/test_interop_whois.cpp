// whois (RFC 3912) against a real numledgerd: the Debian whois client gets
// RIR-style objects for addresses, prefixes, ranges and AS numbers; raw
// sockets send garbage, over-long lines, idle and floods of connections,
// and the node keeps answering.
#include <doctest/doctest.h>

#include <filesystem>
#include <map>

#include "support/registry_story.h"

using namespace nl::test;

namespace {

const std::string kWhoisClient = "/usr/bin/whois";

// "attribute:   value" lines of an answer; comment and blank lines skipped.
std::multimap<std::string, std::string> attributes(const std::string& text) {
  std::multimap<std::string, std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '%') continue;
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    auto value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    out.emplace(line.substr(0, colon), value);
  }
  return out;
}

std::string first(const std::multimap<std::string, std::string>& a, const std::string& key) {
  auto it = a.find(key);
  return it == a.end() ? std::string("<missing " + key + ">") : it->second;
}

std::string handle(uint64_t id) { return "NLH-" + std::to_string(id); }

int connect_idle(int port) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  return s;
}

std::string recv_all(int s, std::chrono::milliseconds timeout) {
  timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string out;
  char buf[1024];
  for (ssize_t n; (n = recv(s, buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<size_t>(n));
  return out;
}

}  // namespace

TEST_CASE("whois answers RIR-style objects to the Debian client and survives hostile clients") {
  REQUIRE_MESSAGE(std::filesystem::exists(kWhoisClient),
                  "the Debian whois client is missing: apt-get install whois (scripts/install-deps.sh does)");
  RegistryStory s;
  s.build();
  // Opened first and left silent: the query timeout (5 s) must close it by the end.
  const auto idle_since = std::chrono::steady_clock::now();
  const int idle = connect_idle(s.whois_port);

  auto whois = [&](const std::string& query) {
    auto r = run({kWhoisClient, "-h", "127.0.0.1", "-p", std::to_string(s.whois_port), query});
    CAPTURE(query);
    CHECK_MESSAGE(r.code == 0, r.err);
    return r.out;
  };
  const std::string root41 = handle(s.holding_id("41.0.0.0/8")), alice17 = handle(s.holding_id("41.0.0.0/17"));

  {
    INFO("an address in alice's holding, with metadata, split and a child");
    const std::string out = whois("41.0.0.1");
    CAPTURE(out);
    CHECK(out.find("% This is the numledger whois service") != std::string::npos);
    auto a = attributes(out);
    CHECK(first(a, "inetnum") == "41.0.0.0 - 41.0.127.255");
    CHECK(first(a, "netname") == "ALICE-NET");
    CHECK(first(a, "country") == "ZA");
    CHECK(first(a, "status") == "ALLOCATED");
    CHECK(first(a, "org") == s.alice);
    CHECK(first(a, "handle") == alice17);
    CHECK(first(a, "parent") == root41 + " (41.0.0.0 - 41.255.255.255)");
    CHECK(first(a, "abuse-mailbox") == "abuse@alice.example");
    CHECK(first(a, "created").find("(height " + std::to_string(s.h_delegate16) + ")") != std::string::npos);
    CHECK(first(a, "last-modified").find("(height " + std::to_string(s.h_split) + ")") != std::string::npos);
    CHECK(first(a, "source") == "NUMLEDGER");
    CHECK(out.find("inetnum:        41.0.0.0") != std::string::npos);  // RIR column layout
  }
  {
    INFO("the deeper assignment, a prefix only the root contains, and a range");
    auto a = attributes(whois("41.0.1.5"));
    CHECK(first(a, "inetnum") == "41.0.1.0 - 41.0.1.255");
    CHECK(first(a, "status") == "ASSIGNED");
    CHECK(first(a, "org") == s.bob);
    CHECK(first(a, "parent") == alice17 + " (41.0.0.0 - 41.0.127.255)");
    a = attributes(whois("41.0.0.0/16"));  // alice keeps only the /17 now
    CHECK(first(a, "inetnum") == "41.0.0.0 - 41.255.255.255");
    CHECK(first(a, "netname") == "AFRINIC-41");
    CHECK(first(a, "remarks") == "imported from afrinic, record F36B9F4B");
    CHECK(first(a, "created").find("(height 0)") != std::string::npos);
    CHECK(a.count("parent") == 0);
    a = attributes(whois("41.1.0.0 - 41.1.255.255"));
    CHECK(first(a, "inetnum") == "41.1.0.0 - 41.1.255.255");
    CHECK(first(a, "status") == "LEASED");
    CHECK(first(a, "lease-until") == "2100-01-01T00:00:00Z");
    CHECK(first(a, "last-modified").find("(height " + std::to_string(s.h_renew) + ")") != std::string::npos);
  }
  {
    INFO("IPv6 and AS numbers");
    auto a = attributes(whois("2001:db8::/32"));
    CHECK(first(a, "inet6num") == "2001:db8::/32");
    a = attributes(whois("2001:db8:1000::/40"));
    CHECK(first(a, "inet6num") == "2001:db8:1000::/36");
    CHECK(first(a, "org") == s.bob);
    CHECK(first(a, "last-modified").find("(height " + std::to_string(s.h_v6_transfer) + ")") != std::string::npos);
    for (auto q : {"AS64500", "64500", "as64500"}) {
      a = attributes(whois(q));
      CHECK(first(a, "aut-num") == "AS64500");
      CHECK(first(a, "as-name") == "BOB-AS");
      CHECK(first(a, "org") == s.bob);
    }
    a = attributes(whois("AS64497"));
    CHECK(first(a, "as-block") == "AS64496 - AS64511");
  }
  {
    INFO("misses and nonsense");
    CHECK(whois("192.0.2.1").find("%ERROR:101: no entries found") != std::string::npos);
    CHECK(whois("AS65000").find("%ERROR:101: no entries found") != std::string::npos);
    CHECK(whois("hello").find("%ERROR:101: no entries found") != std::string::npos);
    CHECK(whois("41.0.0.300").find("%ERROR:101: no entries found") != std::string::npos);
  }

  auto raw = [&](const std::string& bytes, bool half_close = false) {
    return tcp_exchange(s.whois_port, bytes, half_close);
  };
  {
    INFO("raw sockets: line endings, flags, garbage and over-long lines");
    CHECK(attributes(raw("41.0.1.5\r\n")).count("inetnum") == 1);
    CHECK(attributes(raw("41.0.1.5\n")).count("inetnum") == 1);
    CHECK(attributes(raw("41.0.1.5", true)).count("inetnum") == 1);  // no terminator, then half-close
    CHECK(attributes(raw("41.0.1.5\r\nAS64500\r\n")).count("aut-num") == 0);  // one query per connection
    CHECK(raw("\r\n").find("%ERROR:106") != std::string::npos);
    CHECK(raw("-B 41.0.0.1\r\n").find("%ERROR:111") != std::string::npos);
    for (std::string garbage : {std::string("\xff\xfe\x00\x01garbage\r\n", 13), std::string("41.0.0.1\x1b[2J\r\n"),
                                std::string("\x80\r\n")}) {
      std::string reply = raw(garbage);
      CHECK_MESSAGE(reply.find("%ERROR:108") != std::string::npos, reply);
    }
    CHECK(raw(std::string(1024, '1') + "\r\n").find("%ERROR:101") != std::string::npos);  // at the limit
    CHECK(raw(std::string(1025, '1') + "\r\n").find("%ERROR:107") != std::string::npos);
    // Whole floods of bytes, half-closed so the server's drain sees the end.
    CHECK(raw(std::string(60 * 1024, 'A'), true).find("%ERROR:107") != std::string::npos);
    CHECK(raw(std::string(60 * 1024, '\n'), true).find("%ERROR:106") != std::string::npos);
    CHECK(raw("", true).empty());  // connect and close: nothing to answer
  }
  {
    INFO("many connections: a bounded flood past the cap, then many sequential queries");
    std::vector<int> socks;
    for (int i = 0; i < 300; ++i) socks.push_back(connect_idle(s.whois_port));
    int busy = 0;
    for (size_t i = socks.size() - 40; i < socks.size(); ++i)
      if (recv_all(socks[i], std::chrono::milliseconds(300)).find("%ERROR:208") != std::string::npos) ++busy;
    CHECK(busy > 0);  // the cap (256) refused the last ones with a reason
    for (int fd : socks) close(fd);
    // The server frees the slots as it sees the closes; wait for one.
    bool served = false;
    for (int i = 0; i < 100 && !served; ++i) {
      served = attributes(raw("41.0.0.1\r\n")).count("inetnum") == 1;
      if (!served) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    REQUIRE(served);
    int answered = 0;
    for (int i = 0; i < 200; ++i) answered += attributes(raw(i % 2 ? "AS64500\r\n" : "41.0.0.1\r\n")).size() > 5;
    CHECK(answered == 200);
  }
  {
    INFO("the silent connection was closed by the query timeout");
    const auto before = std::chrono::steady_clock::now();
    std::string got = recv_all(idle, std::chrono::seconds(20));
    const auto now = std::chrono::steady_clock::now();
    close(idle);
    CHECK(got.empty());
    CHECK(now - before < std::chrono::seconds(19));  // closed by the server, not our own recv timeout
    CHECK(now - idle_since >= std::chrono::seconds(4));
  }
  // Still serving both protocols.
  CHECK(first(attributes(whois("41.0.1.5")), "org") == s.bob);
  auto status = nl::node::http_request(s.url, "GET", "/api/v1/status", "", std::chrono::seconds(5));
  REQUIRE(status.ok());
  CHECK(status->status == 200);
  CHECK(s.node.running());
  // SIGTERM still shuts down cleanly with the whois server open.
  CHECK(s.node.kill(SIGTERM) == 0);
  CHECK(s.node.log().find("stopped cleanly") != std::string::npos);

  // A bad --whois-listen is a startup error, not a silent no-op: a usage
  // error (2) for text that is no HOST:PORT, a failure (1) for an address
  // it cannot bind.
  for (auto [address, code] : {std::pair<std::string, int>{"not-an-address", 2}, {"192.0.2.1:4343", 1}}) {
    CAPTURE(address);
    Daemon bad;
    bad.start({RegistryStory::bin("numledgerd"), "--home", s.dir / "home", "--genesis", s.dir / "genesis.json",
               "--validator-key", s.dir / "validator.key", "--listen", "127.0.0.1:" + std::to_string(free_port()),
               "--whois-listen", address},
              s.dir / "bad.log");
    CHECK(bad.wait_exit(std::chrono::seconds(30)) == code);
    CHECK(slurp(s.dir / "bad.log").find("--whois-listen") != std::string::npos);
  }
}
