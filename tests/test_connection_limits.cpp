// Which addresses count as one for the per-address limits, and how the
// connection caps are fitted into the open-file limit.
#include <doctest/doctest.h>

#include "node/net/address_counts.h"
#include "node/net/descriptor_budget.h"

using namespace nl::node;
namespace ip = boost::asio::ip;

TEST_CASE("address keys: IPv4, IPv4 mapped into IPv6, and IPv6 by /64") {
  CHECK(address_key(ip::make_address("127.0.0.2")) == address_key(ip::make_address("::ffff:127.0.0.2")));
  CHECK(address_key(ip::make_address("127.0.0.1")) != address_key(ip::make_address("127.0.0.2")));
  CHECK(address_key(ip::make_address("2001:db8:1:2::1")) == address_key(ip::make_address("2001:db8:1:2:ffff::9")));
  CHECK(address_key(ip::make_address("2001:db8:1:2::1")) != address_key(ip::make_address("2001:db8:1:3::1")));
  CHECK(to_string(address_key(ip::make_address("::ffff:10.1.2.3"))) == "10.1.2.3");
  CHECK(to_string(address_key(ip::make_address("2001:db8:1:2::1"))) == "2001:db8:1:2::/64");
}

TEST_CASE("address counts: a limit per key, given back on remove") {
  AddressCounts c;
  auto a = address_key(ip::make_address("127.0.0.2"));
  auto b = address_key(ip::make_address("127.0.0.1"));
  CHECK(c.try_add(a, 2));
  CHECK(c.try_add(a, 2));
  CHECK_FALSE(c.try_add(a, 2));
  CHECK(c.try_add(b, 2));
  CHECK(c.count(a) == 2);
  c.remove(a);
  CHECK(c.try_add(a, 2));
  c.remove(a);
  c.remove(a);
  c.remove(b);
  c.remove(b);  // one too many: ignored
  CHECK(c.addresses() == 0);
  for (int i = 0; i < 1000; ++i) CHECK(c.try_add(a, 0));  // 0: no limit
  CHECK(c.count(a) == 1000);
}

TEST_CASE("descriptor plan: a quarter (at least 256) for files, peers, the rest for connections") {
  auto p = plan_descriptors(20000, 64, {512, 256, 256});
  CHECK(p.files == 5000);
  CHECK(p.sockets == 20000 - 5000 - 64);
  CHECK_FALSE(p.scaled);
  CHECK(p.caps.http == 512);

  p = plan_descriptors(1024, 64, {512, 256, 256});
  CHECK(p.files == 256);
  CHECK(p.sockets == 704);
  CHECK(p.scaled);
  CHECK(p.caps.http == 352);
  CHECK(p.caps.whois == 176);
  CHECK(p.caps.rtr == 176);

  p = plan_descriptors(1024, 64, {512, 0, 0});  // whois and RTR off
  CHECK_FALSE(p.scaled);
  CHECK(p.caps.http == 512);

  p = plan_descriptors(100, 64, {512, 256, 8});  // nothing left: the floor, never above what was asked
  CHECK(p.sockets == 0);
  CHECK(p.caps.http == kMinServerCap);
  CHECK(p.caps.whois == kMinServerCap);
  CHECK(p.caps.rtr == 8);
}

TEST_CASE("descriptor line names the limits and the caps") {
  DescriptorLimit l{1024, 4096, 4096, ""};
  auto s = describe(l, plan_descriptors(4096, 64, {512, 0, 256}));
  CHECK(s == "open files: soft limit 1024 raised to 4096 (hard 4096); 1024 kept for files, 64 for peers, 3008 for "
             "connections: http 512, whois off, rtr 256");
}
