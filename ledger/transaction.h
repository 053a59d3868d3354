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
#include "crypto/basics/result.h"
#include "ledger/account.h"
#include "ledger/holding.h"
#include "ledger/resource.h"
#include "ledger/tx_bodies.h"
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

std::string_view tx_kind_name(TxKind k);
// How many signatures a transaction of this kind may carry.
uint32_t max_signatures(TxKind k);
TxKind body_kind(const TxBody& b);
// The range a body names (the prefix for authorize/withdraw); none for
// rotate-key and validator-update.
std::optional<Resource> named_range(const TxBody& body);

struct TxSignature {
  crypto::PublicKey key;
  crypto::Signature sig;
  auto operator<=>(const TxSignature&) const = default;
  const crypto::PublicKey& set_key() const { return key; }
  template <class V, class Self>
  static void fields(V& v, Self& x) {
    v(field("account", x.key));
    v(field("signature", x.sig));
  }
};

// A party besides the signer who must co-sign: a field marked cosigner().
// An account signs with its current key; a bare key (a rotation's new key)
// with itself.
struct CoSigner {
  std::string_view role;  // "recipient", "new key"
  crypto::PublicKey key;
  bool account = false;  // key names an account (its current key may differ)
};
std::vector<CoSigner> cosigners(const TxBody& body);

// The decode checks of the envelope's fields, with the reasons people see.
Status check_chain_id(const std::string& id);
std::string too_many_signatures(std::string_view kind, uint32_t max, uint32_t n);

struct Transaction;
// The account whose key or recovery state a transaction changes: the
// signer of rotate-key, set-recovery and cancel-recovery, the recovered
// account of recover; none for the other kinds.
std::optional<AccountId> key_changed_account(const Transaction& tx);

struct Transaction {
  std::string chain_id;
  crypto::Hash32 genesis_hash;  // the chain's genesis; signed, like chain_id
  AccountId signer;
  uint64_t nonce = 0;
  TxBody body;
  std::vector<TxSignature> signatures;

  // What the signatures cover, after the version byte (kTxVersion).
  template <class V, class Self>
  static void signed_fields(V& v, Self& tx) {
    v(field("chain_id", tx.chain_id).max(kMaxChainIdBytes).check(check_chain_id));
    v(field("genesis_hash", tx.genesis_hash));
    v(field("signer", tx.signer));
    v(field("nonce", tx.nonce));
    v(field("body", tx.body));  // the kind byte, then the kind's fields
  }
  // The whole envelope. The signature cap is the kind's, read once the body is.
  template <class V, class Self>
  static void fields(V& v, Self& tx) {
    signed_fields(v, tx);
    const TxKind kind = body_kind(tx.body);
    v(field("signatures", tx.signatures)
          .max(max_signatures(kind))
          .too_many(tx_kind_name(kind), too_many_signatures)
          .ordered("signatures are not in strictly ascending key order"));
  }

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
