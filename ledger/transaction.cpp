#include "ledger/transaction.h"

#include <algorithm>
#include <array>
#include <utility>

#include "crypto/domain_tags.h"
#include "ledger/field_codec.h"
#include "ledger/field_describe.h"

namespace nl::ledger {

namespace {
// The kind names, from the bodies themselves, in kind order.
template <size_t... I>
constexpr std::array<std::string_view, sizeof...(I)> kind_names(std::index_sequence<I...>) {
  return {std::variant_alternative_t<I, TxBody>::kName...};
}
constexpr auto kKindNames = kind_names(std::make_index_sequence<kMaxTxKind>());
}  // namespace

std::string_view tx_kind_name(TxKind k) {
  const auto i = static_cast<size_t>(k);
  return i >= 1 && i <= kKindNames.size() ? kKindNames[i - 1] : "?";
}

uint32_t max_signatures(TxKind k) {
  return k == TxKind::validator_update ? kMaxValidatorUpdateSignatures : kMaxTxSignatures;
}

Status check_validator_changes(const std::vector<Validator>& changes) {
  if (changes.empty()) return fail("validator-update lists no change");
  if (changes.size() > kMaxValidators)
    return fail("validator-update lists " + std::to_string(changes.size()) + " changes; at most " +
                std::to_string(kMaxValidators) + " are allowed");
  for (size_t i = 1; i < changes.size(); ++i)
    if (!(changes[i - 1].key < changes[i].key))
      return fail("validator-update changes are not sorted by key with each key once (at " +
                  changes[i].key.hex() + ")");
  return {};
}

Status check_recovery_accounts(const std::vector<AccountId>& accounts) {
  if (accounts.empty()) return fail("set-recovery names no recovery account");
  if (accounts.size() > kMaxRecoveryAccounts)
    return fail("set-recovery names " + std::to_string(accounts.size()) + " recovery accounts; at most " +
                std::to_string(kMaxRecoveryAccounts) + " are allowed");
  for (size_t i = 1; i < accounts.size(); ++i)
    if (!(accounts[i - 1] < accounts[i]))
      return fail("set-recovery accounts are not sorted with each account once (at " + accounts[i].to_string() +
                  ")");
  return {};
}

bool valid_chain_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxChainIdBytes) return false;
  for (char c : id)
    if (c <= 0x20 || c >= 0x7f) return false;
  return true;
}

Status check_chain_id(const std::string& id) {
  if (!valid_chain_id(id)) return fail("chain id must be 1-64 printable ASCII characters");
  return {};
}

std::string too_many_signatures(std::string_view kind, uint32_t max, uint32_t n) {
  return "a " + std::string(kind) + " transaction carries at most " + std::to_string(max) +
         " signatures; this one has " + std::to_string(n);
}

TxKind body_kind(const TxBody& b) { return static_cast<TxKind>(b.index() + 1); }

namespace {
struct CoSignerFinder {
  std::vector<CoSigner> out;
  template <class T>
  void operator()(const Field<T>& f) {
    if (f.cosigner_.empty()) return;
    if constexpr (std::is_same_v<std::remove_const_t<T>, AccountId>)
      out.push_back({f.cosigner_, f.value->key, true});
    else if constexpr (std::is_same_v<std::remove_const_t<T>, crypto::PublicKey>)
      out.push_back({f.cosigner_, *f.value, false});
  }
};
}  // namespace

std::vector<CoSigner> cosigners(const TxBody& body) {
  CoSignerFinder f;
  std::visit([&](const auto& b) { std::decay_t<decltype(b)>::fields(f, b); }, body);
  return std::move(f.out);
}

std::optional<Resource> named_range(const TxBody& body) {
  return std::visit(
      [](const auto& b) -> std::optional<Resource> {
        using B = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<B, AuthorizeBody> || std::is_same_v<B, WithdrawBody>)
          return b.prefix;
        else if constexpr (std::is_same_v<B, RotateKeyBody> || std::is_same_v<B, ValidatorUpdateBody> ||
                           std::is_same_v<B, SetRecoveryBody> || std::is_same_v<B, RecoverBody> ||
                           std::is_same_v<B, CancelRecoveryBody>)
          return std::nullopt;
        else
          return b.range;
      },
      body);
}

std::optional<AccountId> key_changed_account(const Transaction& tx) {
  if (const auto* r = std::get_if<RecoverBody>(&tx.body)) return r->account;
  if (std::holds_alternative<RotateKeyBody>(tx.body) || std::holds_alternative<SetRecoveryBody>(tx.body) ||
      std::holds_alternative<CancelRecoveryBody>(tx.body))
    return tx.signer;
  return std::nullopt;
}

namespace {
void encode_unsigned(const Transaction& tx, Writer& w) {
  w.u8(kTxVersion);
  FieldWriter fw{w};
  Transaction::signed_fields(fw, tx);
}
}  // namespace

Bytes Transaction::signing_bytes() const {
  Writer w;
  w.u8(static_cast<uint8_t>(tags::kTransaction.size())).raw(as_bytes(tags::kTransaction));
  encode_unsigned(*this, w);
  return w.take();
}

crypto::Hash32 Transaction::id() const { return crypto::sha256(signing_bytes()); }

void Transaction::encode(Writer& w) const {
  w.u8(kTxVersion);
  write_fields(w, *this);
}

Bytes Transaction::encode() const {
  Writer w;
  encode(w);
  return w.take();
}

Transaction Transaction::decode(Reader& r) {
  uint8_t version = r.u8();
  if (version == 1)
    throw DecodeError("transaction version 1 does not bind the genesis hash; re-sign it for this chain");
  if (version != kTxVersion)
    throw DecodeError("unsupported transaction version " + std::to_string(version));
  return read_fields<Transaction>(r);
}

Result<Transaction> Transaction::decode(ByteView in) {
  if (in.size() > kMaxTxBytes)
    return fail("transaction is " + std::to_string(in.size()) + " bytes; the cap is " +
                std::to_string(kMaxTxBytes));
  return decode_all<Transaction>(in, "transaction", [](Reader& r) { return decode(r); });
}

void Transaction::sign(const crypto::SecretKey& key) {
  TxSignature s{key.public_key(), key.sign(signing_bytes())};
  auto it = std::lower_bound(signatures.begin(), signatures.end(), s,
                             [](const TxSignature& a, const TxSignature& b) { return a.key < b.key; });
  if (it != signatures.end() && it->key == s.key)
    *it = s;
  else
    signatures.insert(it, s);
}

bool Transaction::signed_by(const crypto::PublicKey& key) const {
  return std::any_of(signatures.begin(), signatures.end(),
                     [&](const TxSignature& s) { return s.key == key; });
}

std::vector<crypto::PublicKey> Transaction::signer_keys() const {
  std::vector<crypto::PublicKey> keys;
  keys.reserve(signatures.size());
  for (const auto& s : signatures) keys.push_back(s.key);
  return keys;
}

Status Transaction::check_signatures() const {
  if (signatures.empty()) return fail("transaction carries no signature");
  const TxKind kind = body_kind(body);
  if (signatures.size() > max_signatures(kind))
    return fail("a " + std::string(tx_kind_name(kind)) + " transaction carries at most " +
                std::to_string(max_signatures(kind)) + " signatures; this one has " +
                std::to_string(signatures.size()));
  Bytes msg = signing_bytes();
  for (const auto& s : signatures)
    if (!crypto::verify(s.key, msg, s.sig))
      return fail("bad signature by key " + s.key.hex());
  return {};
}

std::string Transaction::describe() const {
  return describe_value(body) + " (signer " + signer.to_string() + ", nonce " + std::to_string(nonce) + ")";
}

}  // namespace nl::ledger
