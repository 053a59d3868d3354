#include "node/rtr/rtr_pdu.h"

#include "ledger/canonical.h"

namespace nl::node::rtr {

using ledger::DecodeError;
using ledger::Family;
using ledger::Reader;
using ledger::u128;
using ledger::Writer;

std::string_view error_code_name(ErrorCode c) {
  switch (c) {
    case ErrorCode::corrupt_data: return "Corrupt Data";
    case ErrorCode::internal_error: return "Internal Error";
    case ErrorCode::no_data_available: return "No Data Available";
    case ErrorCode::invalid_request: return "Invalid Request";
    case ErrorCode::unsupported_version: return "Unsupported Protocol Version";
    case ErrorCode::unsupported_pdu_type: return "Unsupported PDU Type";
    case ErrorCode::withdrawal_of_unknown_record: return "Withdrawal of Unknown Record";
    case ErrorCode::duplicate_announcement: return "Duplicate Announcement Received";
    case ErrorCode::unexpected_version: return "Unexpected Protocol Version";
  }
  return "Unknown Error Code";
}

std::string_view pdu_type_name(uint8_t type) {
  switch (static_cast<PduType>(type)) {
    case PduType::serial_notify: return "Serial Notify";
    case PduType::serial_query: return "Serial Query";
    case PduType::reset_query: return "Reset Query";
    case PduType::cache_response: return "Cache Response";
    case PduType::ipv4_prefix: return "IPv4 Prefix";
    case PduType::ipv6_prefix: return "IPv6 Prefix";
    case PduType::end_of_data: return "End of Data";
    case PduType::cache_reset: return "Cache Reset";
    case PduType::router_key: return "Router Key";
    case PduType::error_report: return "Error Report";
  }
  return "unknown";
}

Status check_intervals(const Intervals& i) {
  if (i.refresh < 1 || i.refresh > 86400) return fail("refresh interval must be 1-86400 seconds");
  if (i.retry < 1 || i.retry > 7200) return fail("retry interval must be 1-7200 seconds");
  if (i.expire < 600 || i.expire > 172800) return fail("expire interval must be 600-172800 seconds");
  if (i.expire <= i.refresh || i.expire <= i.retry)
    return fail("expire interval must be larger than the refresh and retry intervals");
  return Status::success();
}

namespace {

void header(Writer& w, uint8_t version, PduType type, uint16_t field, uint32_t length) {
  w.u8(version).u8(static_cast<uint8_t>(type)).u16(field).u32(length);
}

struct BodyEncoder {
  Writer& w;
  uint8_t v;
  void operator()(const SerialNotify& p) { header(w, v, PduType::serial_notify, p.session, 12), w.u32(p.serial); }
  void operator()(const SerialQuery& p) { header(w, v, PduType::serial_query, p.session, 12), w.u32(p.serial); }
  void operator()(const ResetQuery&) { header(w, v, PduType::reset_query, 0, 8); }
  void operator()(const CacheResponse& p) { header(w, v, PduType::cache_response, p.session, 8); }
  void operator()(const PrefixPdu& p) {
    bool v6 = p.prefix.family == Family::ipv6;
    header(w, v, v6 ? PduType::ipv6_prefix : PduType::ipv4_prefix, 0, v6 ? 32 : 20);
    w.u8(p.announce ? 1 : 0).u8(static_cast<uint8_t>(p.prefix.prefix_length().value_or(0))).u8(p.max_length).u8(0);
    if (v6)
      w.u128v(p.prefix.first);
    else
      w.u32(static_cast<uint32_t>(p.prefix.first));
    w.u32(p.asn);
  }
  void operator()(const EndOfData& p) {
    header(w, v, PduType::end_of_data, p.session, v == 0 ? 12 : 24);
    w.u32(p.serial);
    if (v != 0) w.u32(p.intervals.refresh).u32(p.intervals.retry).u32(p.intervals.expire);
  }
  void operator()(const CacheReset&) { header(w, v, PduType::cache_reset, 0, 8); }
  void operator()(const ErrorReport& p) {
    size_t length = kHeaderSize + 4 + p.pdu.size() + 4 + p.text.size();
    header(w, v, PduType::error_report, static_cast<uint16_t>(p.code), static_cast<uint32_t>(length));
    w.bytes(p.pdu).str(p.text);
  }
};

PduError corrupt(std::string reason) { return {ErrorCode::corrupt_data, std::move(reason)}; }

std::optional<PduError> want_length(const Header& h, uint32_t expected, const char* name) {
  if (h.length == expected) return std::nullopt;
  return corrupt(std::string(name) + " PDU must be " + std::to_string(expected) + " bytes long, its length field says " +
                 std::to_string(h.length));
}

std::variant<Pdu, PduError> decode_prefix(const Header& h, Reader& r, Family family) {
  bool v6 = family == Family::ipv6;
  if (auto e = want_length(h, v6 ? 32 : 20, v6 ? "an IPv6 Prefix" : "an IPv4 Prefix")) return *e;
  PrefixPdu p;
  p.announce = (r.u8() & 1) != 0;
  int len = r.u8();
  p.max_length = r.u8();
  r.u8();  // zero
  u128 address = v6 ? r.u128v() : u128(r.u32());
  p.asn = r.u32();
  int bits = ledger::family_bits(family);
  if (len > bits) return corrupt("prefix length " + std::to_string(len) + " exceeds " + std::to_string(bits));
  if (p.max_length < len || p.max_length > bits)
    return corrupt("max length " + std::to_string(p.max_length) + " is outside " + std::to_string(len) + "-" +
                   std::to_string(bits));
  u128 host = len == bits ? 0 : (len == 0 ? ledger::family_max(family) : (u128(1) << (bits - len)) - 1);
  if (address & host) return corrupt("prefix has host bits set beyond its length " + std::to_string(len));
  p.prefix = {family, address, address | host};
  return Pdu{h.version, p};
}

std::variant<Pdu, PduError> decode_body(const Header& h, Reader& r) {
  switch (static_cast<PduType>(h.type)) {
    case PduType::serial_notify:
      if (auto e = want_length(h, 12, "a Serial Notify")) return *e;
      return Pdu{h.version, SerialNotify{h.field, r.u32()}};
    case PduType::serial_query:
      if (auto e = want_length(h, 12, "a Serial Query")) return *e;
      return Pdu{h.version, SerialQuery{h.field, r.u32()}};
    case PduType::reset_query:
      if (auto e = want_length(h, 8, "a Reset Query")) return *e;
      return Pdu{h.version, ResetQuery{}};
    case PduType::cache_response:
      if (auto e = want_length(h, 8, "a Cache Response")) return *e;
      return Pdu{h.version, CacheResponse{h.field}};
    case PduType::ipv4_prefix: return decode_prefix(h, r, Family::ipv4);
    case PduType::ipv6_prefix: return decode_prefix(h, r, Family::ipv6);
    case PduType::end_of_data: {
      if (auto e = want_length(h, h.version == 0 ? 12 : 24, h.version == 0 ? "a version 0 End of Data"
                                                                           : "a version 1 End of Data"))
        return *e;
      EndOfData p{h.field, r.u32(), {0, 0, 0}};
      if (h.version != 0) p.intervals = {r.u32(), r.u32(), r.u32()};
      return Pdu{h.version, p};
    }
    case PduType::cache_reset:
      if (auto e = want_length(h, 8, "a Cache Reset")) return *e;
      return Pdu{h.version, CacheReset{}};
    case PduType::error_report: {
      if (h.length < kHeaderSize + 8) return corrupt("an Error Report PDU must be at least 16 bytes long");
      // Both inner fields are a u32 length and that many bytes; the reader
      // refuses lengths that overrun, expect_done() ones that fall short.
      ErrorReport p{static_cast<ErrorCode>(h.field), r.bytes(kMaxPduSize), r.str(kMaxPduSize)};
      return Pdu{h.version, p};
    }
    case PduType::router_key:
      return PduError{ErrorCode::unsupported_pdu_type, "Router Key PDUs are not supported (no BGPsec data)"};
  }
  return PduError{ErrorCode::unsupported_pdu_type, "unknown PDU type " + std::to_string(h.type)};
}

}  // namespace

void append(Bytes& out, const Pdu& pdu) {
  Writer w;
  std::visit(BodyEncoder{w, pdu.version}, pdu.body);
  out.insert(out.end(), w.data().begin(), w.data().end());
}

Bytes encode(const Pdu& pdu) {
  Bytes out;
  append(out, pdu);
  return out;
}

std::optional<uint32_t> fixed_length(uint8_t version, uint8_t type) {
  switch (static_cast<PduType>(type)) {
    case PduType::serial_notify:
    case PduType::serial_query: return 12;
    case PduType::reset_query:
    case PduType::cache_response:
    case PduType::cache_reset: return 8;
    case PduType::ipv4_prefix: return 20;
    case PduType::ipv6_prefix: return 32;
    case PduType::end_of_data: return version == 0 ? 12 : 24;
    case PduType::router_key:
    case PduType::error_report: return std::nullopt;
  }
  return std::nullopt;
}

bool cache_only(uint8_t version, uint8_t type) {
  switch (static_cast<PduType>(type)) {
    case PduType::serial_notify:
    case PduType::cache_response:
    case PduType::ipv4_prefix:
    case PduType::ipv6_prefix:
    case PduType::end_of_data:
    case PduType::cache_reset: return true;
    case PduType::router_key: return version >= 1;  // RFC 6810 has no type 9
    case PduType::serial_query:
    case PduType::reset_query:
    case PduType::error_report: return false;
  }
  return false;
}

Header decode_header(ByteView in) {
  Header h;
  h.version = in[0];
  h.type = in[1];
  h.field = static_cast<uint16_t>(in[2] << 8 | in[3]);
  h.length = uint32_t(in[4]) << 24 | uint32_t(in[5]) << 16 | uint32_t(in[6]) << 8 | uint32_t(in[7]);
  return h;
}

std::variant<Pdu, PduError> decode(ByteView in) {
  if (in.size() < kHeaderSize) return corrupt("PDU is shorter than its 8-byte header");
  Header h = decode_header(in);
  if (h.version > kMaxVersion)
    return PduError{ErrorCode::unsupported_version,
                    "protocol version " + std::to_string(h.version) + " is not supported (only 0 and 1)"};
  if (h.length != in.size())
    return corrupt("length field says " + std::to_string(h.length) + " bytes, the PDU has " +
                   std::to_string(in.size()));
  try {
    Reader r(in.subspan(kHeaderSize));
    auto out = decode_body(h, r);
    if (std::holds_alternative<Pdu>(out)) r.expect_done();
    return out;
  } catch (const DecodeError& e) {
    return corrupt(std::string("malformed PDU: ") + e.what());
  }
}

}  // namespace nl::node::rtr
