#include "ledger/transaction.h"

#include <algorithm>

#include "crypto/domain_tags.h"

namespace nl::ledger {

std::string_view tx_kind_name(TxKind k) {
  switch (k) {
    case TxKind::delegate: return "delegate";
    case TxKind::transfer: return "transfer";
    case TxKind::return_: return "return";
    case TxKind::revoke: return "revoke";
    case TxKind::renew: return "renew";
    case TxKind::authorize: return "authorize";
    case TxKind::withdraw: return "withdraw";
    case TxKind::set_metadata: return "set-metadata";
    case TxKind::rotate_key: return "rotate-key";
    case TxKind::validator_update: return "validator-update";
  }
  return "?";
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

bool valid_chain_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxChainIdBytes) return false;
  for (char c : id)
    if (c <= 0x20 || c >= 0x7f) return false;
  return true;
}

TxKind body_kind(const TxBody& b) { return static_cast<TxKind>(b.index() + 1); }

std::optional<Resource> named_range(const TxBody& body) {
  return std::visit(
      [](const auto& b) -> std::optional<Resource> {
        using B = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<B, AuthorizeBody> || std::is_same_v<B, WithdrawBody>)
          return b.prefix;
        else if constexpr (std::is_same_v<B, RotateKeyBody> || std::is_same_v<B, ValidatorUpdateBody>)
          return std::nullopt;
        else
          return b.range;
      },
      body);
}

namespace {

struct BodyEncoder {
  Writer& w;
  void operator()(const DelegateBody& b) {
    b.range.encode(w);
    b.to.encode(w);
    w.u8(static_cast<uint8_t>(b.kind)).u64(b.lease_until);
  }
  void operator()(const TransferBody& b) {
    b.range.encode(w);
    b.to.encode(w);
  }
  void operator()(const ReturnBody& b) { b.range.encode(w); }
  void operator()(const RevokeBody& b) { b.range.encode(w); }
  void operator()(const RenewBody& b) {
    b.range.encode(w);
    w.u64(b.until);
  }
  void operator()(const AuthorizeBody& b) {
    b.prefix.encode(w);
    w.u8(b.max_length).u32(b.asn);
  }
  void operator()(const WithdrawBody& b) {
    b.prefix.encode(w);
    w.u8(b.max_length).u32(b.asn);
  }
  void operator()(const SetMetadataBody& b) {
    b.range.encode(w);
    b.meta.encode(w);
  }
  void operator()(const RotateKeyBody& b) { w.fixed(b.new_key.b); }
  void operator()(const ValidatorUpdateBody& b) {
    encode_validators(w, b.changes);
  }
};

TxBody decode_body(TxKind kind, Reader& r) {
  switch (kind) {
    case TxKind::delegate: {
      DelegateBody b;
      b.range = Resource::decode(r);
      b.to = AccountId::decode(r);
      uint8_t k = r.u8();
      if (k < 1 || k > 3) throw DecodeError("unknown holding kind " + std::to_string(k));
      b.kind = static_cast<HoldingKind>(k);
      b.lease_until = r.u64();
      return b;
    }
    case TxKind::transfer: {
      TransferBody b;
      b.range = Resource::decode(r);
      b.to = AccountId::decode(r);
      return b;
    }
    case TxKind::return_: return ReturnBody{Resource::decode(r)};
    case TxKind::revoke: return RevokeBody{Resource::decode(r)};
    case TxKind::renew: {
      RenewBody b;
      b.range = Resource::decode(r);
      b.until = r.u64();
      return b;
    }
    case TxKind::authorize: {
      AuthorizeBody b;
      b.prefix = Resource::decode(r);
      b.max_length = r.u8();
      b.asn = r.u32();
      return b;
    }
    case TxKind::withdraw: {
      WithdrawBody b;
      b.prefix = Resource::decode(r);
      b.max_length = r.u8();
      b.asn = r.u32();
      return b;
    }
    case TxKind::set_metadata: {
      SetMetadataBody b;
      b.range = Resource::decode(r);
      b.meta = Metadata::decode(r);
      return b;
    }
    case TxKind::rotate_key: return RotateKeyBody{crypto::PublicKey{r.fixed<32>()}};
    case TxKind::validator_update: {
      ValidatorUpdateBody b;
      b.changes = decode_validators(r);
      // One encoding per value: the change list is a sorted set.
      if (auto s = check_validator_changes(b.changes); !s) throw DecodeError(s.error());
      return b;
    }
  }
  throw DecodeError("unknown transaction kind");
}

void encode_unsigned(const Transaction& tx, Writer& w) {
  w.u8(kTxVersion).str(tx.chain_id).fixed(tx.genesis_hash.b);
  tx.signer.encode(w);
  w.u64(tx.nonce).u8(static_cast<uint8_t>(body_kind(tx.body)));
  std::visit(BodyEncoder{w}, tx.body);
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
  encode_unsigned(*this, w);
  w.count(signatures.size());
  for (const auto& s : signatures) w.fixed(s.key.b).fixed(s.sig.b);
}

Bytes Transaction::encode() const {
  Writer w;
  encode(w);
  return w.take();
}

Transaction Transaction::decode(Reader& r) {
  Transaction tx;
  uint8_t version = r.u8();
  if (version == 1)
    throw DecodeError("transaction version 1 does not bind the genesis hash; re-sign it for this chain");
  if (version != kTxVersion)
    throw DecodeError("unsupported transaction version " + std::to_string(version));
  tx.chain_id = r.str(kMaxChainIdBytes);
  if (!valid_chain_id(tx.chain_id)) throw DecodeError("chain id must be 1-64 printable ASCII characters");
  tx.genesis_hash.b = r.fixed<32>();
  tx.signer = AccountId::decode(r);
  tx.nonce = r.u64();
  uint8_t kind = r.u8();
  if (kind < 1 || kind > kMaxTxKind) throw DecodeError("unknown transaction kind " + std::to_string(kind));
  tx.body = decode_body(static_cast<TxKind>(kind), r);
  const uint32_t max = max_signatures(static_cast<TxKind>(kind));
  uint32_t n = r.count();  // nothing is allocated before the kind's limit is checked
  if (n > max)
    throw DecodeError("a " + std::string(tx_kind_name(static_cast<TxKind>(kind))) + " transaction carries at most " +
                      std::to_string(max) + " signatures; this one has " + std::to_string(n));
  for (uint32_t i = 0; i < n; ++i) {
    TxSignature s;
    s.key.b = r.fixed<32>();
    s.sig.b = r.fixed<64>();
    // One encoding per value: signatures sorted by key, each key once.
    if (!tx.signatures.empty() && !(tx.signatures.back().key < s.key))
      throw DecodeError("signatures are not in strictly ascending key order");
    tx.signatures.push_back(s);
  }
  return tx;
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
  std::string s = std::string(tx_kind_name(body_kind(body))) + " ";
  std::visit(
      [&](const auto& b) {
        using B = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<B, DelegateBody>)
          s += b.range.to_string() + " to " + b.to.to_string() + " as " +
               std::string(holding_kind_name(b.kind)) +
               (b.kind == HoldingKind::lease ? " until " + std::to_string(b.lease_until) : "");
        else if constexpr (std::is_same_v<B, TransferBody>)
          s += b.range.to_string() + " to " + b.to.to_string();
        else if constexpr (std::is_same_v<B, ReturnBody> || std::is_same_v<B, RevokeBody>)
          s += b.range.to_string();
        else if constexpr (std::is_same_v<B, RenewBody>)
          s += b.range.to_string() + " until " + std::to_string(b.until);
        else if constexpr (std::is_same_v<B, AuthorizeBody> || std::is_same_v<B, WithdrawBody>)
          s += b.prefix.to_string() + " maxLength " + std::to_string(b.max_length) + " origin AS" +
               std::to_string(b.asn);
        else if constexpr (std::is_same_v<B, SetMetadataBody>)
          s += b.range.to_string() + " name='" + b.meta.name + "'";
        else if constexpr (std::is_same_v<B, RotateKeyBody>)
          s += "to key " + b.new_key.hex();
        else if constexpr (std::is_same_v<B, ValidatorUpdateBody>) {
          for (size_t i = 0; i < b.changes.size(); ++i)
            s += (i ? ", " : "") + AccountId{b.changes[i].key}.to_string() + "=" + std::to_string(b.changes[i].power);
        }
      },
      body);
  return s + " (signer " + signer.to_string() + ", nonce " + std::to_string(nonce) + ")";
}

}  // namespace nl::ledger
