// A holding: a range of numbers held by an account, carved out of a parent
// holding (or a root). Invariants I1-I3 (DESIGN.md §3) are kept by
// registry.cpp; this file only describes the value.
#pragma once
#include <cstdint>
#include <string>

#include "crypto/basics/result.h"
#include "ledger/account.h"
#include "ledger/canonical.h"
#include "ledger/fields.h"
#include "ledger/resource.h"

namespace nl::ledger {

using HoldingId = uint64_t;  // assigned sequentially from 1; 0 means "none"

enum class HoldingKind : uint8_t { allocation = 1, assignment = 2, lease = 3 };
std::string_view holding_kind_name(HoldingKind k);
Result<HoldingKind> parse_holding_kind(std::string_view s);
template <>
struct EnumInfo<HoldingKind> {
  static constexpr uint8_t kMax = 3;
  static constexpr std::string_view kWhat = "holding kind";
  static std::string_view name(HoldingKind k) { return holding_kind_name(k); }
};

inline constexpr uint32_t kMaxMetadataField = 256;

// Whois-style fields. Each is capped at kMaxMetadataField bytes.
struct Metadata {
  std::string name, country, source_registry, source_handle, abuse_contact;
  auto operator<=>(const Metadata&) const = default;
  // Each field strict UTF-8 without control characters, at most
  // kMaxMetadataField bytes; country empty or two ASCII letters.
  Status validate() const;
  void encode(Writer& w) const;
  static Metadata decode(Reader& r);
  template <class V, class Self>
  static void fields(V& v, Self& x) {
    v(field("name", x.name).max(kMaxMetadataField));
    v(field("country", x.country).max(kMaxMetadataField));
    v(field("source_registry", x.source_registry).max(kMaxMetadataField));
    v(field("source_handle", x.source_handle).max(kMaxMetadataField));
    v(field("abuse_contact", x.abuse_contact).max(kMaxMetadataField));
  }
};

struct Holding {
  HoldingId id = 0;
  Resource range;
  AccountId holder;
  HoldingId parent = 0;  // 0 for a root
  HoldingKind kind = HoldingKind::allocation;
  uint64_t lease_until = 0;  // unix seconds; 0 unless kind == lease
  uint64_t created_height = 0;
  Metadata meta;

  auto operator<=>(const Holding&) const = default;
  template <class V, class Self>
  static void fields(V& v, Self& x) {
    v(field("id", x.id));
    v(field("range", x.range));
    v(field("holder", x.holder));
    v(field("parent", x.parent));
    v(field("kind", x.kind));
    v(field("lease_until", x.lease_until).show(Show::unix_time));
    v(field("created_height", x.created_height));
    v(field("metadata", x.meta));
  }
  void encode(Writer& w) const;
  static Holding decode(Reader& r);
};

// A maximal run of numbers whose effective controller (the holder of the
// deepest covering holding) is one holding. The set of segments is the
// committed answer to "who controls X"; see state_keys.h.
struct Segment {
  Resource range;
  HoldingId holding = 0;
  auto operator<=>(const Segment&) const = default;
  template <class V, class Self>
  static void fields(V& v, Self& x) {
    v(field("range", x.range));
    v(field("holding", x.holding));
  }
  void encode(Writer& w) const;
  static Segment decode(Reader& r);
};

// A route-origin authorization (the ROA analogue).
struct Authorization {
  Resource prefix;
  uint8_t max_length = 0;
  uint32_t asn = 0;
  AccountId issuer;
  uint64_t created_height = 0;
  auto operator<=>(const Authorization&) const = default;
  template <class V, class Self>
  static void fields(V& v, Self& x) {
    v(field("prefix", x.prefix));
    v(field("max_length", x.max_length));
    v(field("asn", x.asn).show(Show::asn));
    v(field("issuer", x.issuer));
    v(field("created_height", x.created_height));
  }
  void encode(Writer& w) const;
  static Authorization decode(Reader& r);
};

struct AccountState {
  uint64_t next_nonce = 1;    // the nonce the next transaction must carry
  crypto::PublicKey current;  // signing key; the account id's key until rotated
  auto operator<=>(const AccountState&) const = default;
  template <class V, class Self>
  static void fields(V& v, Self& x) {
    v(field("next_nonce", x.next_nonce));
    v(field("current", x.current));
  }
  void encode(Writer& w) const;
  static AccountState decode(Reader& r);
};

}  // namespace nl::ledger
