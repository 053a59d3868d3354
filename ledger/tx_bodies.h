// The transaction kinds: one struct per kind, each with its one field list
// (ledger/fields.h) that gives its canonical bytes, its decoder, its JSON
// view and its one-line description. The kind byte is the position in
// TxBody plus one. To add a kind: a struct here, its TxKind, its place at
// the end of TxBody, and its rule in the registry (README, "Adding a
// transaction kind").
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "crypto/ed25519.h"
#include "crypto/basics/result.h"
#include "ledger/account.h"
#include "ledger/fields.h"
#include "ledger/holding.h"
#include "ledger/recovery.h"
#include "ledger/resource.h"
#include "ledger/validator.h"

namespace nl::ledger {

enum class TxKind : uint8_t {
  delegate = 1,
  transfer = 2,
  return_ = 3,
  revoke = 4,
  renew = 5,
  authorize = 6,
  withdraw = 7,
  set_metadata = 8,
  rotate_key = 9,
  validator_update = 10,
  set_recovery = 11,
  recover = 12,
  cancel_recovery = 13,
};

// The holder of the holding containing `range` carves it out to `to`.
struct DelegateBody {
  static constexpr std::string_view kName = "delegate";
  Resource range;
  AccountId to;
  HoldingKind kind = HoldingKind::allocation;
  uint64_t lease_until = 0;  // unix seconds, lease only
  auto operator<=>(const DelegateBody&) const = default;
  template <class V, class Self>
  static void fields(V& v, Self& x) {
    v(field("range", x.range));
    v(field("to", x.to).label("to"));
    v(field("holding_kind", x.kind).label("as"));  // the API's name; "kind" is the tx kind there
    v(field("lease_until", x.lease_until).label("until").show(Show::rfc3339).shown(x.kind == HoldingKind::lease));
  }
};
// All or part of the signer's holding moves to `to`; `to` co-signs.
struct TransferBody {
  static constexpr std::string_view kName = "transfer";
  Resource range;
  AccountId to;
  auto operator<=>(const TransferBody&) const = default;
  template <class V, class Self>
  static void fields(V& v, Self& x) {
    v(field("range", x.range));
    v(field("to", x.to).label("to").cosigner("recipient"));
  }
};
// All or part of the signer's holding goes back to the parent's holder.
struct ReturnBody {
  static constexpr std::string_view kName = "return";
  Resource range;
  auto operator<=>(const ReturnBody&) const = default;
  template <class V, class Self>
  static void fields(V& v, Self& x) { v(field("range", x.range)); }
};
// The parent's holder takes back the lease with exactly this range, once expired.
struct RevokeBody {
  static constexpr std::string_view kName = "revoke";
  Resource range;
  auto operator<=>(const RevokeBody&) const = default;
  template <class V, class Self>
  static void fields(V& v, Self& x) { v(field("range", x.range)); }
};
// The parent's holder extends the lease with exactly this range.
struct RenewBody {
  static constexpr std::string_view kName = "renew";
  Resource range;
  uint64_t until = 0;
  auto operator<=>(const RenewBody&) const = default;
  template <class V, class Self>
  static void fields(V& v, Self& x) {
    v(field("range", x.range));
    v(field("until", x.until).label("until").show(Show::rfc3339));
  }
};
// A route-origin authorization (authorize) and its withdrawal share a shape.
template <class V, class Self>
void roa_fields(V& v, Self& x) {
  v(field("prefix", x.prefix));
  v(field("max_length", x.max_length).label("maxLength"));
  v(field("asn", x.asn).label("origin").show(Show::asn));
}
struct AuthorizeBody {
  static constexpr std::string_view kName = "authorize";
  Resource prefix;
  uint8_t max_length = 0;
  uint32_t asn = 0;
  auto operator<=>(const AuthorizeBody&) const = default;
  template <class V, class Self>
  static void fields(V& v, Self& x) { roa_fields(v, x); }
};
struct WithdrawBody {
  static constexpr std::string_view kName = "withdraw";
  Resource prefix;
  uint8_t max_length = 0;
  uint32_t asn = 0;
  auto operator<=>(const WithdrawBody&) const = default;
  template <class V, class Self>
  static void fields(V& v, Self& x) { roa_fields(v, x); }
};
// Sets the metadata of the signer's holding with exactly this range.
struct SetMetadataBody {
  static constexpr std::string_view kName = "set-metadata";
  Resource range;
  Metadata meta;
  auto operator<=>(const SetMetadataBody&) const = default;
  template <class V, class Self>
  static void fields(V& v, Self& x) {
    v(field("range", x.range));
    v(field("metadata", x.meta));
  }
};
// Moves the signer account to a new key; the new key co-signs.
struct RotateKeyBody {
  static constexpr std::string_view kName = "rotate-key";
  crypto::PublicKey new_key;
  auto operator<=>(const RotateKeyBody&) const = default;
  template <class V, class Self>
  static void fields(V& v, Self& x) { v(field("new_key", x.new_key).label("to key").cosigner("new key")); }
};

// The sorted-unique-non-empty shape of a validator-update's change list.
Status check_validator_changes(const std::vector<Validator>& changes);

// Changes the validator set two heights after the block that commits it:
// each entry sets a validator's power; power 0 removes it, a new key adds
// it. Sorted by key, each key once, 1..kMaxValidators entries. Current
// validators holding more than 2/3 of the power co-sign (ledger.md).
struct ValidatorUpdateBody {
  static constexpr std::string_view kName = "validator-update";
  std::vector<Validator> changes;
  auto operator<=>(const ValidatorUpdateBody&) const = default;
  template <class V, class Self>
  static void fields(V& v, Self& x) {
    // One encoding per value: the change list is a sorted set.
    v(field("changes", x.changes).max(kMaxValidators).check(check_validator_changes));
  }
};

Status check_recovery_accounts(const std::vector<AccountId>& accounts);

// Names who may move the signer's account to a new key, and how long the
// current key has to cancel it. Replaces any earlier policy.
struct SetRecoveryBody {
  static constexpr std::string_view kName = "set-recovery";
  uint8_t threshold = 1;              // M: recovery accounts that must sign
  std::vector<AccountId> accounts;    // N: sorted, each once
  uint64_t delay = 0;                 // seconds of block time
  auto operator<=>(const SetRecoveryBody&) const = default;
  template <class V, class Self>
  static void fields(V& v, Self& x) {
    v(field("threshold", x.threshold).label("threshold"));
    v(field("accounts", x.accounts).max(kMaxRecoveryAccounts).check(check_recovery_accounts).label("recovery"));
    v(field("delay", x.delay).label("delay seconds"));
  }
};
// Starts moving `account` to `new_key`: signed by M of its recovery
// accounts (the signer is one) and by the new key; it takes effect once
// the block time reaches the start plus the delay.
struct RecoverBody {
  static constexpr std::string_view kName = "recover";
  AccountId account;
  crypto::PublicKey new_key;
  auto operator<=>(const RecoverBody&) const = default;
  template <class V, class Self>
  static void fields(V& v, Self& x) {
    v(field("account", x.account).label("account"));
    v(field("new_key", x.new_key).label("to key").cosigner("new key"));
  }
};
// The account's current key stops its pending recovery, within the delay.
struct CancelRecoveryBody {
  static constexpr std::string_view kName = "cancel-recovery";
  auto operator<=>(const CancelRecoveryBody&) const = default;
  template <class V, class Self>
  static void fields(V&, Self&) {}
};

// In kind order: the kind byte is the index plus one.
using TxBody = std::variant<DelegateBody, TransferBody, ReturnBody, RevokeBody, RenewBody,
                            AuthorizeBody, WithdrawBody, SetMetadataBody, RotateKeyBody,
                            ValidatorUpdateBody, SetRecoveryBody, RecoverBody, CancelRecoveryBody>;
inline constexpr uint8_t kMaxTxKind = std::variant_size_v<TxBody>;
template <>
struct VariantInfo<TxBody> {
  static constexpr std::string_view kWhat = "transaction kind";
};

}  // namespace nl::ledger
