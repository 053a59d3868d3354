#include <doctest/doctest.h>

#include "ledger/account.h"
#include "ledger/resource.h"

using namespace nl::ledger;

static std::string round_trip(const char* s) {
  auto r = Resource::parse(s);
  REQUIRE_MESSAGE(r.ok(), s << ": " << (r.ok() ? "" : r.error()));
  return r->to_string();
}

static std::string error_of(const char* s) {
  auto r = Resource::parse(s);
  REQUIRE_MESSAGE(!r.ok(), s << " parsed but should not");
  return r.error();
}

TEST_CASE("resource: every text form of DESIGN.md parses and prints back") {
  CHECK(round_trip("10.0.0.0/8") == "10.0.0.0/8");
  CHECK(round_trip("2001:db8::/32") == "2001:db8::/32");
  CHECK(round_trip("10.0.0.0-10.0.2.255") == "10.0.0.0-10.0.2.255");
  CHECK(round_trip("10.0.0.0-10.0.1.255") == "10.0.0.0/23");  // aligned ranges print as prefixes
  CHECK(round_trip("AS64496") == "AS64496");
  CHECK(round_trip("AS64496-AS64511") == "AS64496-AS64511");
  CHECK(round_trip("192.0.2.1") == "192.0.2.1/32");
  CHECK(round_trip("0.0.0.0/0") == "0.0.0.0/0");
  CHECK(round_trip("::/0") == "::/0");
  CHECK(round_trip("AS4294967295") == "AS4294967295");
  // IPv6 text may begin with the letter a, like an AS number.
  CHECK(round_trip("abcd::1") == "abcd::1/128");
  CHECK(round_trip("a000::/3") == "a000::/3");
  CHECK(round_trip("ABCD:EF01::/32") == "abcd:ef01::/32");
  CHECK(round_trip("as64496") == "AS64496");
  CHECK(!Resource::parse("a").ok());
  auto r = Resource::parse("10.0.0.0-10.0.2.255").value();
  CHECK(r.family == Family::ipv4);
  CHECK(r.last - r.first + 1 == 768);
  CHECK(!r.prefix_length());
}

TEST_CASE("resource: IPv6 prints in RFC 5952 canonical form") {
  CHECK(round_trip("2001:0DB8:0000:0000:0000:0000:0000:0001/128") == "2001:db8::1/128");
  CHECK(round_trip("2001:db8:0:0:1:0:0:1/128") == "2001:db8::1:0:0:1/128");  // first of equal runs
  CHECK(round_trip("2001:db8:0:1:1:1:1:1/128") == "2001:db8:0:1:1:1:1:1/128");  // one zero group stays
  CHECK(round_trip("2001:0:0:1:0:0:0:1/128") == "2001:0:0:1::1/128");  // longest run wins
  CHECK(round_trip("::1/128") == "::1/128");
  CHECK(round_trip("1::/16") == "1::/16");
  CHECK(round_trip("::ffff:192.0.2.1/128") == "::ffff:c000:201/128");
  CHECK(format_ipv6(0) == "::");
}

TEST_CASE("resource: nasty inputs are refused with a precise reason") {
  CHECK(error_of("10.0.0.1/8").find("host bits set") != std::string::npos);
  // issue 19: a did-you-mean, and the accepted forms with every refusal.
  CHECK(error_of("10.0.0.1/8").find("10.0.0.1/8: host bits set; did you mean 10.0.0.0/8?") == 0);
  CHECK(error_of("2001:db8::1/32").find("did you mean 2001:db8::/32?") != std::string::npos);
  CHECK(error_of("10.0.2.0-10.0.1.0").find("did you mean 10.0.1.0-10.0.2.0?") != std::string::npos);
  CHECK(error_of("AS64496-64511").find("did you mean AS64496-AS64511?") != std::string::npos);
  CHECK(error_of("foo").find("'foo' is not a prefix, a range or AS numbers") == 0);
  CHECK(error_of("foo").find("octet") == std::string::npos);
  for (const char* bad : {"foo", "10.0.0.1/8", "AS1x", "1::2::3/128", ""})
    CHECK(error_of(bad).find("a resource is a prefix (10.0.0.0/8, 2001:db8::/32), a range A-B") != std::string::npos);
  CHECK(error_of("256.0.0.0/8").find("out of range") != std::string::npos);
  CHECK(error_of("10.0.0/8").find("four octets") != std::string::npos);
  CHECK(error_of("10.0.0.0.0/8").find("more than four") != std::string::npos);
  CHECK(error_of("010.0.0.0/8").find("leading zero") != std::string::npos);
  CHECK(error_of("10.0.0.0/33").find("exceeds 32") != std::string::npos);
  CHECK(error_of("10.0.0.0/-1").find("not both") != std::string::npos);
  CHECK(error_of("10.0.0.0/+1").find("not a decimal") != std::string::npos);
  CHECK(error_of("10.0.0.0/").find("not a decimal") != std::string::npos);
  CHECK(error_of("1::2::3/128").find("'::' appears more than once") != std::string::npos);
  CHECK(error_of("2001:db8:0:0:0:0:0:0:1/128").find("8 groups") != std::string::npos);
  CHECK(error_of("2001:db8:12345::/48").find("more than 4 hex") != std::string::npos);
  CHECK(error_of("2001:db8::/129").find("exceeds 128") != std::string::npos);
  CHECK(error_of(":1::/16").find("leading single") != std::string::npos);
  CHECK(error_of("1::2:/128").find("trailing single") != std::string::npos);
  CHECK(error_of("AS4294967296").find("out of range") != std::string::npos);
  CHECK(error_of("AS99999999999").find("too long") != std::string::npos);
  CHECK(error_of("AS-1").find("AS<number>") != std::string::npos);
  CHECK(error_of("AS1x").find("decimal") != std::string::npos);
  CHECK(error_of("AS").find("AS<number>") != std::string::npos);
  CHECK(error_of("AS200-AS100").find("after its end") != std::string::npos);
  CHECK(error_of("10.0.2.0-10.0.1.0").find("after its end") != std::string::npos);
  CHECK(error_of("10.0.0.0/8-10.1.0.0").find("not both") != std::string::npos);
  CHECK(error_of("").find("empty") != std::string::npos);
  CHECK(error_of(" 10.0.0.0/8").find("whitespace") != std::string::npos);
  CHECK(error_of(std::string(5000, '1').c_str()).find("too long") != std::string::npos);
  CHECK(error_of("10.0.0.0/8x").find("not a decimal") != std::string::npos);
  CHECK(error_of("hello").find("'h'") == std::string::npos);  // reported, not crashed
}

TEST_CASE("resource: containment, overlap and prefix length") {
  auto a = Resource::parse("10.0.0.0/8").value();
  auto b = Resource::parse("10.1.0.0/16").value();
  auto c = Resource::parse("11.0.0.0/8").value();
  auto v6 = Resource::parse("::/0").value();
  CHECK(a.contains(b));
  CHECK(!b.contains(a));
  CHECK(a.overlaps(b));
  CHECK(!a.overlaps(c));
  CHECK(!v6.overlaps(a));  // families never overlap
  CHECK(b.prefix_length() == 16);
  CHECK(v6.prefix_length() == 0);
}

TEST_CASE("resource: canonical encoding round-trips and rejects bad families") {
  auto r = Resource::parse("2001:db8::/32").value();
  Writer w;
  r.encode(w);
  CHECK(w.data().size() == 33);
  Reader rd(w.data());
  CHECK(Resource::decode(rd) == r);
  nl::Bytes bad = w.data();
  bad[0] = 9;
  Reader rd2(bad);
  CHECK_THROWS_AS(Resource::decode(rd2), DecodeError);
}

TEST_CASE("account ids carry a checksum that catches typos") {
  nl::crypto::PublicKey k;
  for (int i = 0; i < 32; ++i) k.b[i] = static_cast<uint8_t>(i * 7);
  AccountId a{k};
  std::string s = a.to_string();
  CHECK(s.size() == 60);
  CHECK(s.substr(0, 2) == "nl");
  auto back = AccountId::parse(s);
  REQUIRE(back.ok());
  CHECK(*back == a);
  std::string typo = s;
  typo[10] = typo[10] == 'a' ? 'b' : 'a';
  auto t = AccountId::parse(typo);
  REQUIRE(!t.ok());
  CHECK(t.error().find("checksum") != std::string::npos);
  CHECK(!AccountId::parse("nl").ok());
  CHECK(!AccountId::parse(s.substr(0, 59) + "1").ok());
  CHECK(!AccountId::parse("xx" + s.substr(2)).ok());
}
