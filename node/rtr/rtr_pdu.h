// RPKI-to-Router PDUs: RFC 8210 (version 1) and RFC 6810 (version 0).
// Every PDU starts with the same 8-byte header: version u8, type u8, a
// u16 that is the session id, zero or an error code by type, and the u32
// length of the whole PDU. All integers are big-endian. One encoder and one
// decoder serve both directions (the cache's server and test clients).
// Router Key PDUs (type 9) are not produced: the ledger holds no BGPsec
// router keys, and a router never sends one, so decoding refuses it.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "crypto/basics/bytes.h"
#include "ledger/resource.h"

namespace nl::node::rtr {

inline constexpr uint8_t kMaxVersion = 1;
inline constexpr size_t kHeaderSize = 8;
// Longest PDU a peer may send us: an Error Report with a whole IPv6 prefix
// PDU and a generous text. Longer length fields are hostile or broken.
inline constexpr uint32_t kMaxPduSize = 16 * 1024;

enum class PduType : uint8_t {
  serial_notify = 0,
  serial_query = 1,
  reset_query = 2,
  cache_response = 3,
  ipv4_prefix = 4,
  ipv6_prefix = 6,
  end_of_data = 7,
  cache_reset = 8,
  router_key = 9,
  error_report = 10,
};

std::string_view pdu_type_name(uint8_t type);  // "Serial Query", ...; "unknown"

enum class ErrorCode : uint16_t {
  corrupt_data = 0,
  internal_error = 1,
  no_data_available = 2,
  invalid_request = 3,
  unsupported_version = 4,
  unsupported_pdu_type = 5,
  withdrawal_of_unknown_record = 6,
  duplicate_announcement = 7,
  unexpected_version = 8,
};
std::string_view error_code_name(ErrorCode c);  // RFC 8210 §13 wording

// Refresh, retry and expire intervals in seconds (RFC 8210 §6).
struct Intervals {
  uint32_t refresh = 3600;
  uint32_t retry = 600;
  uint32_t expire = 7200;
  auto operator<=>(const Intervals&) const = default;
};
// Ranges and ordering that RFC 8210 §6 sets: refresh 1-86400, retry
// 1-7200, expire 600-172800 and larger than both.
Status check_intervals(const Intervals& i);

struct SerialNotify {
  uint16_t session = 0;
  uint32_t serial = 0;
  auto operator<=>(const SerialNotify&) const = default;
};
struct SerialQuery {
  uint16_t session = 0;
  uint32_t serial = 0;
  auto operator<=>(const SerialQuery&) const = default;
};
struct ResetQuery {
  auto operator<=>(const ResetQuery&) const = default;
};
struct CacheResponse {
  uint16_t session = 0;
  auto operator<=>(const CacheResponse&) const = default;
};
// IPv4 Prefix or IPv6 Prefix, by the family of `prefix`.
struct PrefixPdu {
  bool announce = true;  // flags bit 0: 1 announce, 0 withdraw
  ledger::Resource prefix;
  uint8_t max_length = 0;
  uint32_t asn = 0;
  auto operator<=>(const PrefixPdu&) const = default;
};
struct EndOfData {
  uint16_t session = 0;
  uint32_t serial = 0;
  Intervals intervals;  // on the wire in version 1 only; decoded as zeros in version 0
  auto operator<=>(const EndOfData&) const = default;
};
struct CacheReset {
  auto operator<=>(const CacheReset&) const = default;
};
struct ErrorReport {
  ErrorCode code = ErrorCode::corrupt_data;
  Bytes pdu;         // the erroneous PDU, possibly empty
  std::string text;  // diagnostic text, possibly empty
  bool operator==(const ErrorReport&) const = default;
};

using PduBody = std::variant<SerialNotify, SerialQuery, ResetQuery, CacheResponse, PrefixPdu, EndOfData,
                             CacheReset, ErrorReport>;

struct Pdu {
  uint8_t version = kMaxVersion;
  PduBody body;
  bool operator==(const Pdu&) const = default;
};

Bytes encode(const Pdu& pdu);
void append(Bytes& out, const Pdu& pdu);  // encode onto the end of `out`

struct Header {
  uint8_t version = 0;
  uint8_t type = 0;
  uint16_t field = 0;  // session id, zero or error code
  uint32_t length = 0;
};
// The first kHeaderSize bytes of `in` (which must hold that many).
Header decode_header(ByteView in);

// Why a PDU was refused, with the code an Error Report should carry.
struct PduError {
  ErrorCode code = ErrorCode::corrupt_data;
  std::string reason;
};

// The length RFC 8210 / RFC 6810 fix for a PDU type in a protocol
// version, or nullopt for types of variable length (Error Report, Router
// Key) and unknown ones. Lets a receiver refuse a wrong length as soon as
// the header is in, instead of waiting for bytes that should not come.
std::optional<uint32_t> fixed_length(uint8_t version, uint8_t type);

// True for the types the version defines that only a cache sends (Serial
// Notify, Cache Response, prefixes, End of Data, Cache Reset, and in
// version 1 Router Key): from a router they are an Invalid Request, not
// an Unsupported PDU Type, which RFC 8210 §12 keeps for unknown types.
bool cache_only(uint8_t version, uint8_t type);

// Decodes exactly one whole PDU (its length field must equal in.size()).
// Checks what RFC 8210 fixes: version, type, length per type and version,
// prefix and max lengths, zero host bits, Error Report inner lengths.
std::variant<Pdu, PduError> decode(ByteView in);

}  // namespace nl::node::rtr
