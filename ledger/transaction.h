// Transactions: signed statements that change the registry.
// signing bytes = u8 len(tag) || tag || canonical(unsigned part); the tag is
// tags::kTransaction and the unsigned part carries the chain id, the genesis
// hash and the nonce, so a signature can't be replayed on another chain (even
// one that shares this chain's id and keys) or twice on this one.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "crypto/ed25519.h"
#include "crypto/hash.h"
#include "crypto/result.h"
#include "ledger/account.h"
#include "ledger/holding.h"
#include "ledger/resource.h"
#include "ledger/validator.h"

namespace nl::ledger {

// Version 2 binds the genesis hash; version 1 (chain id only) is refused.
inline constexpr uint8_t kTxVersion = 2;
// A validator-update with kMaxValidators changes and kMaxValidators + 1
// signatures is about 35 KiB; every other kind stays far below 16 KiB.
inline constexpr uint32_t kMaxTxBytes = 64 * 1024;
// Signatures on every kind but validator-update.
inline constexpr uint32_t kMaxTxSignatures = 8;
// A validator-update: the submitter and up to every validator.
inline constexpr uint32_t kMaxValidatorUpdateSignatures = kMaxValidators + 1;
inline constexpr uint32_t kMaxChainIdBytes = 64;
// Chain ids are 1-64 printable ASCII characters without spaces.
bool valid_chain_id(std::string_view id);

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
};
inline constexpr uint8_t kMaxTxKind = 10;
std::string_view tx_kind_name(TxKind k);
// How many signatures a transaction of this kind may carry.
uint32_t max_signatures(TxKind k);

// The holder of the holding containing `range` carves it out to `to`.
struct DelegateBody {
  Resource range;
  AccountId to;
  HoldingKind kind = HoldingKind::allocation;
  uint64_t lease_until = 0;  // unix seconds, lease only
  auto operator<=>(const DelegateBody&) const = default;
};
// All or part of the signer's holding moves to `to`; `to` co-signs.
struct TransferBody {
  Resource range;
  AccountId to;
  auto operator<=>(const TransferBody&) const = default;
};
// All or part of the signer's holding goes back to the parent's holder.
struct ReturnBody {
  Resource range;
  auto operator<=>(const ReturnBody&) const = default;
};
// The parent's holder takes back the lease with exactly this range, once expired.
struct RevokeBody {
  Resource range;
  auto operator<=>(const RevokeBody&) const = default;
};
// The parent's holder extends the lease with exactly this range.
struct RenewBody {
  Resource range;
  uint64_t until = 0;
  auto operator<=>(const RenewBody&) const = default;
};
struct AuthorizeBody {
  Resource prefix;
  uint8_t max_length = 0;
  uint32_t asn = 0;
  auto operator<=>(const AuthorizeBody&) const = default;
};
struct WithdrawBody {
  Resource prefix;
  uint8_t max_length = 0;
  uint32_t asn = 0;
  auto operator<=>(const WithdrawBody&) const = default;
};
// Sets the metadata of the signer's holding with exactly this range.
struct SetMetadataBody {
  Resource range;
  Metadata meta;
  auto operator<=>(const SetMetadataBody&) const = default;
};
// Moves the signer account to a new key; the new key co-signs.
struct RotateKeyBody {
  crypto::PublicKey new_key;
  auto operator<=>(const RotateKeyBody&) const = default;
};

// Changes the validator set two heights after the block that commits it:
// each entry sets a validator's power; power 0 removes it, a new key adds
// it. Sorted by key, each key once, 1..kMaxValidators entries. Current
// validators holding more than 2/3 of the power co-sign (ledger.md).
struct ValidatorUpdateBody {
  std::vector<Validator> changes;
  auto operator<=>(const ValidatorUpdateBody&) const = default;
};

using TxBody = std::variant<DelegateBody, TransferBody, ReturnBody, RevokeBody, RenewBody,
                            AuthorizeBody, WithdrawBody, SetMetadataBody, RotateKeyBody,
                            ValidatorUpdateBody>;
TxKind body_kind(const TxBody& b);
// The sorted-unique-non-empty shape of a validator-update's change list.
Status check_validator_changes(const std::vector<Validator>& changes);
// The range a body names (the prefix for authorize/withdraw); none for
// rotate-key and validator-update.
std::optional<Resource> named_range(const TxBody& body);

struct TxSignature {
  crypto::PublicKey key;
  crypto::Signature sig;
  auto operator<=>(const TxSignature&) const = default;
};

struct Transaction {
  std::string chain_id;
  crypto::Hash32 genesis_hash;  // the chain's genesis; signed, like chain_id
  AccountId signer;
  uint64_t nonce = 0;
  TxBody body;
  std::vector<TxSignature> signatures;

  // What every signature covers (domain tag included).
  Bytes signing_bytes() const;
  // The transaction id: hash of the signing bytes, so adding a co-signature
  // doesn't change it.
  crypto::Hash32 id() const;
  // Full encoding, signatures included.
  Bytes encode() const;
  static Result<Transaction> decode(ByteView in);
  void encode(Writer& w) const;
  static Transaction decode(Reader& r);

  // Adds (or replaces) this key's signature.
  void sign(const crypto::SecretKey& key);
  // True if some signature by `key` verifies.
  bool signed_by(const crypto::PublicKey& key) const;
  // Every signature present verifies (says which one does not), and there
  // are no more than max_signatures(kind).
  Status check_signatures() const;
  // The keys that signed (whether or not the signatures verify).
  std::vector<crypto::PublicKey> signer_keys() const;
  std::string describe() const;  // one line, for humans
};

}  // namespace nl::ledger
