// RTR PDUs (RFC 8210 and RFC 6810): byte layouts, round trips, garbage
// refused with the right error code, and the serial history's deltas.
#include <doctest/doctest.h>

#include <random>
#include <string>

#include "node/rtr/rtr_pdu.h"
#include "node/rtr/vrp_snapshots.h"

using namespace nl;
using namespace nl::node;
using ledger::Resource;

namespace {

Resource res(const char* text) { return Resource::parse(text).value(); }

rtr::Pdu prefix_pdu(uint8_t v, bool announce, const char* prefix, uint8_t max_length, uint32_t asn) {
  return {v, rtr::PrefixPdu{announce, res(prefix), max_length, asn}};
}

Bytes hex(const char* h) { return from_hex(h).value(); }

rtr::PduError decode_error(const Bytes& b) {
  auto r = rtr::decode(b);
  REQUIRE(std::holds_alternative<rtr::PduError>(r));
  return std::get<rtr::PduError>(r);
}

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

RouteOrigin origin(const char* prefix, uint8_t max_length, uint32_t asn) { return {res(prefix), max_length, asn}; }

}  // namespace

TEST_CASE("rtr pdu: byte layouts of RFC 8210 and RFC 6810") {
  CHECK(rtr::encode({1, rtr::ResetQuery{}}) == hex("0102000000000008"));
  CHECK(rtr::encode({0, rtr::SerialQuery{0x1234, 7}}) == hex("000112340000000c00000007"));
  CHECK(rtr::encode({1, rtr::SerialNotify{0xbeef, 0x01020304}}) == hex("0100beef0000000c01020304"));
  CHECK(rtr::encode({1, rtr::CacheResponse{42}}) == hex("0103002a00000008"));
  CHECK(rtr::encode(prefix_pdu(1, true, "10.1.0.0/16", 24, 64496)) == hex("010400000000001401101800" "0a010000" "0000fbf0"));
  CHECK(rtr::encode(prefix_pdu(0, false, "2001:db8::/32", 48, 1)) ==
        hex("0006000000000020" "00203000" "20010db8000000000000000000000000" "00000001"));
  CHECK(rtr::encode({1, rtr::EndOfData{5, 9, {3600, 600, 7200}}}) ==
        hex("0107000500000018" "00000009" "00000e10" "00000258" "00001c20"));
  // Version 0 End of Data has no intervals.
  CHECK(rtr::encode({0, rtr::EndOfData{5, 9, {3600, 600, 7200}}}) == hex("000700050000000c00000009"));
  CHECK(rtr::encode({1, rtr::CacheReset{}}) == hex("0108000000000008"));
  CHECK(rtr::encode({1, rtr::ErrorReport{rtr::ErrorCode::unsupported_version, hex("0902000000000008"), "no"}}) ==
        hex("010a0004" "0000001a" "00000008" "0902000000000008" "00000002" "6e6f"));
  CHECK(rtr::error_code_name(rtr::ErrorCode::unsupported_version) == "Unsupported Protocol Version");
}

TEST_CASE("rtr pdu: every kind round trips in both versions") {
  for (uint8_t v : {uint8_t(0), uint8_t(1)}) {
    std::vector<rtr::Pdu> all = {
        {v, rtr::SerialNotify{1, 2}},
        {v, rtr::SerialQuery{65535, 0xffffffff}},
        {v, rtr::ResetQuery{}},
        {v, rtr::CacheResponse{7}},
        prefix_pdu(v, true, "0.0.0.0/0", 32, 0),
        prefix_pdu(v, false, "255.255.255.255/32", 32, 4294967295u),
        prefix_pdu(v, true, "::/0", 128, 1),
        prefix_pdu(v, true, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff/128", 128, 2),
        {v, rtr::EndOfData{3, 4, v == 1 ? rtr::Intervals{1, 2, 600} : rtr::Intervals{0, 0, 0}}},
        {v, rtr::CacheReset{}},
        {v, rtr::ErrorReport{rtr::ErrorCode::withdrawal_of_unknown_record, hex("0102000000000008"), "text"}},
        {v, rtr::ErrorReport{rtr::ErrorCode::internal_error, {}, ""}},
    };
    for (const auto& p : all) {
      Bytes b = rtr::encode(p);
      CHECK(rtr::decode_header(b).length == b.size());
      auto back = rtr::decode(b);
      REQUIRE(std::holds_alternative<rtr::Pdu>(back));
      CHECK(std::get<rtr::Pdu>(back) == p);
    }
  }
}

TEST_CASE("rtr pdu: garbage is refused with the right error code") {
  using rtr::ErrorCode;
  CHECK(decode_error(hex("01020000")).code == ErrorCode::corrupt_data);  // shorter than a header
  CHECK(decode_error(hex("0202000000000008")).code == ErrorCode::unsupported_version);
  CHECK(decode_error(hex("4745542f20485454")).code == ErrorCode::unsupported_version);  // "GET / HTT"
  CHECK(decode_error(hex("0105000000000008")).code == ErrorCode::unsupported_pdu_type);
  CHECK(decode_error(hex("01ff000000000008")).code == ErrorCode::unsupported_pdu_type);
  auto rk = decode_error(hex("0109000000000008"));
  CHECK(rk.code == ErrorCode::unsupported_pdu_type);
  CHECK(contains(rk.reason, "Router Key"));
  CHECK(decode_error(hex("010200000000000900")).code == ErrorCode::corrupt_data);  // reset query of 9 bytes
  CHECK(contains(decode_error(hex("0102000000000009")).reason, "length field says 9"));  // length lies
  CHECK(contains(decode_error(hex("0001000000000008")).reason, "must be 12 bytes"));
  CHECK(contains(decode_error(hex("000700000000001800000001000000010000000100000258")).reason, "version 0 End of Data"));
  // prefix: length over 32, max below length, host bits
  CHECK(contains(decode_error(hex("0104000000000014" "01212100" "0a000000" "00000001")).reason, "exceeds 32"));
  CHECK(contains(decode_error(hex("0104000000000014" "01181000" "0a000000" "00000001")).reason, "max length 16"));
  CHECK(contains(decode_error(hex("0104000000000014" "01081800" "0a010000" "00000001")).reason, "host bits"));
  CHECK(contains(decode_error(hex("0106000000000020" "01818100" "00000000000000000000000000000000" "00000001")).reason,
                 "exceeds 128"));
  // error report inner lengths that overrun or fall short
  CHECK(decode_error(hex("010a000000000010" "000000ff" "00000000")).code == ErrorCode::corrupt_data);
  CHECK(decode_error(hex("010a000000000012" "00000000" "00000001" "41")).code == ErrorCode::corrupt_data);
  CHECK(decode_error(hex("010a00000000000c" "00000000")).code == ErrorCode::corrupt_data);

  // Random bytes behind a plausible header never crash the decoder, and
  // whatever decodes encodes back to a PDU of the same length.
  std::mt19937 rng(8210);
  size_t decoded = 0;
  for (int i = 0; i < 50000; ++i) {
    size_t n = rtr::kHeaderSize + rng() % 40;
    Bytes b(n);
    for (auto& x : b) x = static_cast<uint8_t>(rng());
    b[0] = static_cast<uint8_t>(rng() % 3);
    b[1] = static_cast<uint8_t>(rng() % 12);
    b[4] = b[5] = b[6] = 0;
    b[7] = static_cast<uint8_t>(rng() % 4 == 0 ? rng() : n);
    auto r = rtr::decode(b);
    if (auto* p = std::get_if<rtr::Pdu>(&r)) {
      ++decoded;
      CHECK(rtr::encode(*p).size() == n);
    }
  }
  CHECK(decoded > 0);
}

TEST_CASE("rtr serial history: exact deltas, bounded history") {
  VrpSnapshots s({origin("10.0.0.0/8", 8, 1)}, 0, 3);
  CHECK(s.serial() == 0);
  CHECK_FALSE(s.update({origin("10.0.0.0/8", 8, 1), origin("10.0.0.0/8", 8, 1)}));  // same set, duplicates
  CHECK(s.update({origin("10.0.0.0/8", 8, 1), origin("10.1.0.0/16", 24, 2)}));       // serial 1
  CHECK(s.update({origin("10.1.0.0/16", 24, 2), origin("10.2.0.0/16", 16, 3)}));     // serial 2
  CHECK(s.update({origin("10.1.0.0/16", 24, 2), origin("10.0.0.0/8", 8, 1)}));       // serial 3
  CHECK(s.serial() == 3);
  auto d = s.delta_since(0);
  REQUIRE(d);
  CHECK(d->first == 3);
  // 10.0.0.0/8 went and came back: no change; 10.2.0.0/16 came and went.
  CHECK(d->second.announce == std::vector{origin("10.1.0.0/16", 24, 2)});
  CHECK(d->second.withdraw.empty());
  d = s.delta_since(2);
  REQUIRE(d);
  CHECK(d->second.announce == std::vector{origin("10.0.0.0/8", 8, 1)});
  CHECK(d->second.withdraw == std::vector{origin("10.2.0.0/16", 16, 3)});
  CHECK(s.delta_since(3)->second.empty());
  CHECK_FALSE(s.delta_since(4));
  CHECK(s.update({}));  // serial 4: history of 3 steps drops the step from 0
  CHECK_FALSE(s.delta_since(0));
  d = s.delta_since(1);
  REQUIRE(d);
  CHECK(d->second.withdraw == std::vector{origin("10.0.0.0/8", 8, 1), origin("10.1.0.0/16", 24, 2)});
  CHECK(s.current().set->empty());

  // The serial wraps around as RFC 1982 arithmetic expects.
  VrpSnapshots w({}, 0xffffffffu);
  CHECK(w.update({origin("10.0.0.0/8", 8, 1)}));
  CHECK(w.serial() == 0);
  CHECK(w.delta_since(0xffffffffu)->second.announce.size() == 1);
}

TEST_CASE("rtr pdu: fixed lengths by type and version, and which types only a cache sends") {
  for (uint8_t v : {uint8_t(0), uint8_t(1)}) {
    CAPTURE(int(v));
    // fixed_length agrees with what encode writes for every fixed-size kind.
    std::vector<rtr::Pdu> fixed = {{v, rtr::SerialNotify{1, 2}},    {v, rtr::SerialQuery{1, 2}},
                                   {v, rtr::ResetQuery{}},          {v, rtr::CacheResponse{3}},
                                   prefix_pdu(v, true, "10.0.0.0/8", 8, 1), prefix_pdu(v, true, "2001:db8::/32", 32, 1),
                                   {v, rtr::EndOfData{1, 2, {}}},   {v, rtr::CacheReset{}}};
    for (const auto& p : fixed) {
      Bytes b = rtr::encode(p);
      auto want = rtr::fixed_length(v, b[1]);
      REQUIRE(want);
      CHECK(*want == b.size());
      // One byte more, with the length field saying so, is Corrupt Data.
      b.push_back(0);
      b[7] = static_cast<uint8_t>(b.size());
      CHECK(decode_error(b).code == rtr::ErrorCode::corrupt_data);
    }
    CHECK_FALSE(rtr::fixed_length(v, 10));  // Error Report
    CHECK_FALSE(rtr::fixed_length(v, 9));   // Router Key
    CHECK_FALSE(rtr::fixed_length(v, 5));   // unknown
    for (uint8_t t : {0, 3, 4, 6, 7, 8}) CHECK(rtr::cache_only(v, t));
    for (uint8_t t : {1, 2, 5, 10, 11, 255}) CHECK_FALSE(rtr::cache_only(v, t));
  }
  CHECK(rtr::fixed_length(0, 7) == 12u);
  CHECK(rtr::fixed_length(1, 7) == 24u);
  CHECK(rtr::cache_only(1, 9));        // Router Key exists in version 1...
  CHECK_FALSE(rtr::cache_only(0, 9));  // ...but not in RFC 6810
}
