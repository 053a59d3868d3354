// SLURM (RFC 8416) end to end: a real numledgerd with --rtr-listen and
// --slurm, read by the Debian RTR client `rtrclient` (rtr-tools) and by a
// raw socket client; the file rewritten and re-read on SIGHUP; a bad file
// refused at start and, on SIGHUP, logged while the last good set stays;
// and `numledger export vrps --slurm` applying the same file. Traffic only
// on 127.0.0.1.
#include <doctest/doctest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "node/rtr/rtr_pdu.h"
#include "support/node_fixture.h"
#include "support/process.h"

using namespace nl;
using namespace nl::node;
using namespace nl::test;

namespace {

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

template <class F>
bool eventually(F&& f, std::chrono::seconds limit = std::chrono::seconds(20)) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (f()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return f();
}

void write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

std::string slurm_file(const std::string& prefix_filters, const std::string& prefix_assertions) {
  return "{\n  \"slurmVersion\": 1,\n"
         "  \"validationOutputFilters\": {\n    \"prefixFilters\": [" + prefix_filters +
         "],\n    \"bgpsecFilters\": []\n  },\n"
         "  \"locallyAddedAssertions\": {\n    \"prefixAssertions\": [" + prefix_assertions +
         "],\n    \"bgpsecAssertions\": []\n  }\n}\n";
}

// What rtrclient holds now: its "+ 10.1.0.0   16 -  24   64496" and "- ..."
// lines applied in order, as "10.1.0.0/16-24 AS64496".
std::set<std::string> rtrclient_state(const std::string& out) {
  std::set<std::string> state;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream l(line);
    std::string sign, ip, min_len, dash, max_len, asn;
    if (!(l >> sign >> ip >> min_len >> dash >> max_len >> asn) || dash != "-") continue;
    const std::string entry = ip + "/" + min_len + "-" + max_len + " AS" + asn;
    if (sign == "+") state.insert(entry);
    if (sign == "-") state.erase(entry);
  }
  return state;
}

// One Reset Query over a plain socket: the serial and the announced set.
struct Full {
  uint32_t serial = 0;
  std::set<std::string> set;
};

Full reset_query(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  Bytes q = rtr::encode({1, rtr::ResetQuery{}});
  REQUIRE(::send(fd, q.data(), q.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(q.size()));
  auto read_exact = [&](Bytes& out, size_t n) {
    out.resize(n);
    for (size_t got = 0; got < n;) {
      ssize_t r = ::recv(fd, out.data() + got, n - got, 0);
      REQUIRE_MESSAGE(r > 0, "the cache closed or stalled");
      got += static_cast<size_t>(r);
    }
  };
  Full out;
  for (;;) {
    Bytes pdu, body;
    read_exact(pdu, rtr::kHeaderSize);
    auto h = rtr::decode_header(pdu);
    REQUIRE(h.length >= rtr::kHeaderSize);
    read_exact(body, h.length - rtr::kHeaderSize);
    pdu.insert(pdu.end(), body.begin(), body.end());
    auto d = rtr::decode(pdu);
    REQUIRE(std::holds_alternative<rtr::Pdu>(d));
    const auto& p = std::get<rtr::Pdu>(d);
    if (auto* x = std::get_if<rtr::PrefixPdu>(&p.body))
      out.set.insert(x->prefix.to_string() + "-" + std::to_string(x->max_length) + " AS" + std::to_string(x->asn));
    if (auto* e = std::get_if<rtr::EndOfData>(&p.body)) {
      out.serial = e->serial;
      break;
    }
    REQUIRE_FALSE(std::holds_alternative<rtr::ErrorReport>(p.body));
  }
  ::close(fd);
  return out;
}

}  // namespace

TEST_CASE("slurm in numledgerd: rtrclient sees filters and assertions, SIGHUP re-reads, a bad file keeps the last "
          "good set") {
  const std::string rtrclient = "/usr/bin/rtrclient";
  REQUIRE_MESSAGE(::access(rtrclient.c_str(), X_OK) == 0,
                  "rtrclient is not installed: install the Debian package rtr-tools (apt-get install rtr-tools)");
  NodeFixture n;
  const std::string path = n.dir / "slurm.json";
  // Filter the ledger's 10.1.0.0/16 (and anything inside it); assert 192.0.2.0/24.
  write(path, slurm_file(R"({"prefix": "10.1.0.0/16", "comment": "hijack under study"})",
                         R"({"prefix": "192.0.2.0/24", "asn": 64510, "comment": "local route"})"));
  const int rtr_port = free_port();
  n.start({"--rtr-listen", "127.0.0.1:" + std::to_string(rtr_port), "--slurm", path});
  CHECK(contains(n.node.log(), "slurm: " + path + ": 1 prefix filter, 1 prefix assertion"));
  n.roa("authorize", "10.1.0.0/16", "AS64496", 24);
  n.roa("authorize", "10.1.5.0/24", "AS64498", 24);
  n.roa("authorize", "10.2.0.0/16", "AS64497", 20);
  const std::set<std::string> first = {"10.2.0.0/16-20 AS64497", "192.0.2.0/24-24 AS64510"};
  Full before;
  REQUIRE(eventually([&] {
    before = reset_query(rtr_port);
    return before.set == first;
  }));

  // The real router client sees the same: the filtered VRPs are absent, the asserted one present.
  Daemon client;
  client.start({"/usr/bin/stdbuf", "-oL", rtrclient, "tcp", "-p", "127.0.0.1", std::to_string(rtr_port)},
               n.dir / "rtrclient.log");
  const std::string client_out = n.dir / "rtrclient.log.out";
  CHECK_MESSAGE(eventually([&] { return rtrclient_state(slurp(client_out)) == first; }),
                "rtrclient output:\n" << slurp(client_out) << "\nstderr:\n" << client.log());

  // The same file through `numledger export vrps --slurm`: same filter, same assertion.
  auto r = n.cli({"export", "vrps", "--format", "csv", "--slurm", path});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(r.out ==
        "ASN,IP Prefix,Max Length,Trust Anchor\n"
        "AS64497,10.2.0.0/16,20,numledger\n"
        "AS64510,192.0.2.0/24,24,slurm\n");
  r = n.cli({"export", "vrps", "--format", "csv"});
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "AS64496,10.1.0.0/16,24,numledger\n"));  // without --slurm, nothing is filtered

  // Rewrite the file and SIGHUP: now origin AS64497 is filtered, 10.1.0.0/16
  // is back, and another assertion replaces the first. One new serial,
  // announced to rtrclient by Serial Notify.
  write(path, slurm_file(R"({"asn": 64497})", R"({"prefix": "2001:db8:ff00::/40", "asn": 64511, "maxPrefixLength": 48})"));
  REQUIRE(::kill(n.node.pid(), SIGHUP) == 0);
  const std::set<std::string> second = {"10.1.0.0/16-24 AS64496", "10.1.5.0/24-24 AS64498",
                                        "2001:db8:ff00::/40-48 AS64511"};
  Full after;
  REQUIRE(eventually([&] {
    after = reset_query(rtr_port);
    return after.set == second;
  }));
  CHECK(after.serial == before.serial + 1);
  CHECK(contains(n.node.log(), "slurm: reloaded " + path + ": 1 prefix filter, 1 prefix assertion"));
  CHECK_MESSAGE(eventually([&] { return rtrclient_state(slurp(client_out)) == second; }),
                "rtrclient output:\n" << slurp(client_out) << "\nstderr:\n" << client.log());

  // A bad file on SIGHUP: logged with its line and reason, the last good set stays, the serial too.
  write(path, slurm_file("", R"({"prefix": "192.0.2.0/24", "asn": 1, "maxPrefixLength": 20})"));
  REQUIRE(::kill(n.node.pid(), SIGHUP) == 0);
  const std::string refused = "slurm: reload refused, still serving the last good file: " + path +
                              ":8:63: prefixAssertions[0]: maxPrefixLength 20 is shorter than the prefix length 24";
  CHECK_MESSAGE(eventually([&] { return contains(n.node.log(), refused); }), n.node.log());
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // several RTR polls
  Full kept = reset_query(rtr_port);
  CHECK(kept.set == second);
  CHECK(kept.serial == after.serial);
  CHECK(n.node.running());
  CHECK(client.running());
  // The CLI refuses the same file with the same words, before asking the node.
  r = n.cli({"export", "vrps", "--format", "csv", "--slurm", path});
  CHECK(r.code == 1);
  CHECK(contains(r.err, path + ":8:63: prefixAssertions[0]: maxPrefixLength 20 is shorter than the prefix length 24"));

  // A new authorization still flows through the filter: AS64497 stays out.
  n.roa("authorize", "10.3.0.0/16", "AS64497", 16);
  n.roa("authorize", "10.4.0.0/16", "AS64499", 16);
  CHECK(eventually([&] {
    auto s = reset_query(rtr_port).set;
    return s.count("10.4.0.0/16-16 AS64499") && !s.count("10.3.0.0/16-16 AS64497");
  }));

  CHECK(client.kill(SIGKILL) == 128 + SIGKILL);
  CHECK(n.node.kill(SIGTERM) == 0);
}

TEST_CASE("slurm in numledgerd: a bad file refuses the start with its line and reason") {
  NodeFixture n;
  n.start();  // makes the keys and genesis; this node needs no SLURM
  const std::string path = n.dir / "bad.json";
  write(path, slurm_file(R"({"prefix": "10.0.0.0/8"}, {"comment": "matches nothing"})", ""));
  auto start = [&](std::vector<std::string> extra) {
    std::vector<std::string> argv = {kNodeBin, "--home", n.dir / "other-home", "--genesis", n.dir / "genesis.json",
                                     "--listen", "127.0.0.1:" + std::to_string(free_port())};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run(argv);
  };
  auto r = start({"--rtr-listen", "127.0.0.1:" + std::to_string(free_port()), "--slurm", path});
  CHECK(r.code == 1);
  CHECK_MESSAGE(contains(r.err, "--slurm: " + path +
                                    ":4:49: prefixFilters[1]: a prefix filter needs \"prefix\" or \"asn\" or both "
                                    "(RFC 8416 §3.3.1)"),
                r.err);
  // SLURM shapes only what RTR serves, so it needs the RTR cache.
  write(path, slurm_file("", ""));
  r = start({"--slurm", path});
  CHECK(r.code == 2);
  CHECK_MESSAGE(contains(r.err, "--slurm changes only what the RTR cache serves: give --rtr-listen too"), r.err);
  // Without --slurm a SIGHUP is logged and changes nothing.
  REQUIRE(::kill(n.node.pid(), SIGHUP) == 0);
  CHECK(eventually([&] { return contains(n.node.log(), "SIGHUP: nothing to reload"); }));
  CHECK(n.node.running());
  CHECK(n.node.kill(SIGTERM) == 0);
}
