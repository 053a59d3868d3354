// The hand-written codecs, descriptions and JSON views as they stood before
// the field lists (commit 3618256), kept only as an oracle: the field lists
// must give the same bytes, the same decode errors, the same text and the
// same JSON (tests/test_field_lists.cpp). Not for use anywhere else.
#pragma once
#include <nlohmann/json.hpp>

#include "crypto/domain_tags.h"
#include "ledger/block.h"
#include "node/client/json_views.h"

namespace nl::test::legacy {

using namespace nl::ledger;
using nlohmann::json;

inline void encode_body(Writer& w, const TxBody& body) {
  std::visit(
      [&](const auto& b) {
        using B = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<B, DelegateBody>) {
          b.range.encode(w);
          b.to.encode(w);
          w.u8(static_cast<uint8_t>(b.kind)).u64(b.lease_until);
        } else if constexpr (std::is_same_v<B, TransferBody>) {
          b.range.encode(w);
          b.to.encode(w);
        } else if constexpr (std::is_same_v<B, ReturnBody> || std::is_same_v<B, RevokeBody>) {
          b.range.encode(w);
        } else if constexpr (std::is_same_v<B, RenewBody>) {
          b.range.encode(w);
          w.u64(b.until);
        } else if constexpr (std::is_same_v<B, AuthorizeBody> || std::is_same_v<B, WithdrawBody>) {
          b.prefix.encode(w);
          w.u8(b.max_length).u32(b.asn);
        } else if constexpr (std::is_same_v<B, SetMetadataBody>) {
          b.range.encode(w);
          w.str(b.meta.name).str(b.meta.country).str(b.meta.source_registry).str(b.meta.source_handle)
              .str(b.meta.abuse_contact);
        } else if constexpr (std::is_same_v<B, RotateKeyBody>) {
          w.fixed(b.new_key.b);
        } else if constexpr (std::is_same_v<B, SetRecoveryBody>) {
          w.u8(b.threshold).count(b.accounts.size());
          for (const auto& a : b.accounts) w.fixed(a.key.b);
          w.u64(b.delay);
        } else if constexpr (std::is_same_v<B, RecoverBody>) {
          w.fixed(b.account.key.b).fixed(b.new_key.b);
        } else if constexpr (std::is_same_v<B, CancelRecoveryBody>) {
        } else {
          w.count(b.changes.size());
          for (const auto& v : b.changes) w.fixed(v.key.b).u64(v.power);
        }
      },
      body);
}

inline Bytes encode_tx(const Transaction& tx) {
  Writer w;
  w.u8(kTxVersion).str(tx.chain_id).fixed(tx.genesis_hash.b);
  tx.signer.encode(w);
  w.u64(tx.nonce).u8(static_cast<uint8_t>(body_kind(tx.body)));
  encode_body(w, tx.body);
  w.count(tx.signatures.size());
  for (const auto& s : tx.signatures) w.fixed(s.key.b).fixed(s.sig.b);
  return w.take();
}

inline Metadata decode_meta(Reader& r) {
  Metadata m;
  m.name = r.str(kMaxMetadataField);
  m.country = r.str(kMaxMetadataField);
  m.source_registry = r.str(kMaxMetadataField);
  m.source_handle = r.str(kMaxMetadataField);
  m.abuse_contact = r.str(kMaxMetadataField);
  return m;
}

inline TxBody decode_body(TxKind kind, Reader& r) {
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
      b.meta = decode_meta(r);
      return b;
    }
    case TxKind::rotate_key: return RotateKeyBody{crypto::PublicKey{r.fixed<32>()}};
    case TxKind::validator_update: {
      ValidatorUpdateBody b;
      b.changes.resize(r.count(kMaxValidators));
      for (auto& v : b.changes) {
        v.key.b = r.fixed<32>();
        v.power = r.u64();
      }
      if (auto s = check_validator_changes(b.changes); !s) throw DecodeError(s.error());
      return b;
    }
    case TxKind::set_recovery: {
      SetRecoveryBody b;
      b.threshold = r.u8();
      b.accounts.resize(r.count(kMaxRecoveryAccounts));
      for (auto& a : b.accounts) a = AccountId::decode(r);
      if (auto s = check_recovery_accounts(b.accounts); !s) throw DecodeError(s.error());
      b.delay = r.u64();
      return b;
    }
    case TxKind::recover: {
      RecoverBody b;
      b.account = AccountId::decode(r);
      b.new_key.b = r.fixed<32>();
      return b;
    }
    case TxKind::cancel_recovery: return CancelRecoveryBody{};
  }
  throw DecodeError("unknown transaction kind");
}

inline Transaction decode_tx(Reader& r) {
  Transaction tx;
  uint8_t version = r.u8();
  if (version == 1)
    throw DecodeError("transaction version 1 does not bind the genesis hash; re-sign it for this chain");
  if (version != kTxVersion) throw DecodeError("unsupported transaction version " + std::to_string(version));
  tx.chain_id = r.str(kMaxChainIdBytes);
  if (!valid_chain_id(tx.chain_id)) throw DecodeError("chain id must be 1-64 printable ASCII characters");
  tx.genesis_hash.b = r.fixed<32>();
  tx.signer = AccountId::decode(r);
  tx.nonce = r.u64();
  uint8_t kind = r.u8();
  if (kind < 1 || kind > kMaxTxKind) throw DecodeError("unknown transaction kind " + std::to_string(kind));
  tx.body = decode_body(static_cast<TxKind>(kind), r);
  const uint32_t max = max_signatures(static_cast<TxKind>(kind));
  uint32_t n = r.count();
  if (n > max)
    throw DecodeError("a " + std::string(tx_kind_name(static_cast<TxKind>(kind))) + " transaction carries at most " +
                      std::to_string(max) + " signatures; this one has " + std::to_string(n));
  for (uint32_t i = 0; i < n; ++i) {
    TxSignature s;
    s.key.b = r.fixed<32>();
    s.sig.b = r.fixed<64>();
    if (!tx.signatures.empty() && !(tx.signatures.back().key < s.key))
      throw DecodeError("signatures are not in strictly ascending key order");
    tx.signatures.push_back(s);
  }
  return tx;
}

inline Bytes encode_header(const BlockHeader& h) {
  Writer w;
  w.u8(kBlockVersion).str(h.chain_id).u64(h.height).u64(h.time);
  w.fixed(h.prev_hash.b).fixed(h.tx_root.b).fixed(h.state_root.b).fixed(h.validator_set_hash.b);
  w.fixed(h.evidence_root.b).fixed(h.proposer.b);
  return w.take();
}

inline BlockHeader decode_header(Reader& r) {
  uint8_t v = r.u8();
  if (v != kBlockVersion) throw DecodeError("unsupported block version " + std::to_string(v));
  BlockHeader h;
  h.chain_id = r.str(kMaxChainIdBytes);
  if (!valid_chain_id(h.chain_id)) throw DecodeError("chain id must be 1-64 printable ASCII characters");
  h.height = r.u64();
  h.time = r.u64();
  h.prev_hash.b = r.fixed<32>();
  h.tx_root.b = r.fixed<32>();
  h.state_root.b = r.fixed<32>();
  h.validator_set_hash.b = r.fixed<32>();
  h.evidence_root.b = r.fixed<32>();
  h.proposer.b = r.fixed<32>();
  return h;
}

inline Bytes encode_cert(const CommitCertificate& c) {
  Writer w;
  w.u64(c.height).u32(c.round).fixed(c.block_hash.b).count(c.votes.size());
  for (const auto& v : c.votes) w.fixed(v.validator.b).fixed(v.sig.b);
  return w.take();
}

inline CommitCertificate decode_cert(Reader& r) {
  CommitCertificate c;
  c.height = r.u64();
  c.round = r.u32();
  c.block_hash.b = r.fixed<32>();
  uint32_t n = r.count(static_cast<uint32_t>(kMaxValidators));
  for (uint32_t i = 0; i < n; ++i) {
    VoteSignature v;
    v.validator.b = r.fixed<32>();
    v.sig.b = r.fixed<64>();
    if (!c.votes.empty() && !(c.votes.back().validator < v.validator))
      throw DecodeError("certificate votes are not in strictly ascending validator order");
    c.votes.push_back(v);
  }
  return c;
}

inline void encode_vote(Writer& w, const SignedVote& v) {
  w.u64(v.height).u32(v.round).u8(static_cast<uint8_t>(v.type)).fixed(v.block_hash.b);
  w.fixed(v.validator.b).fixed(v.sig.b);
}

inline SignedVote decode_vote(Reader& r) {
  SignedVote v;
  v.height = r.u64();
  v.round = r.u32();
  uint8_t t = r.u8();
  if (t != static_cast<uint8_t>(VoteType::prevote) && t != static_cast<uint8_t>(VoteType::precommit))
    throw DecodeError("unknown vote type " + std::to_string(t));
  v.type = static_cast<VoteType>(t);
  v.block_hash.b = r.fixed<32>();
  v.validator.b = r.fixed<32>();
  v.sig.b = r.fixed<64>();
  return v;
}

inline Bytes encode_evidence(const VoteEvidence& e) {
  Writer w;
  encode_vote(w, e.a);
  encode_vote(w, e.b);
  return w.take();
}

inline VoteEvidence decode_evidence(Reader& r) {
  VoteEvidence e;
  e.a = decode_vote(r);
  e.b = decode_vote(r);
  if (!(e.a.block_hash < e.b.block_hash))
    throw DecodeError("evidence votes are not in canonical order (smaller block hash first)");
  return e;
}

inline std::string describe(const Transaction& tx) {
  std::string s = std::string(tx_kind_name(body_kind(tx.body))) + " ";
  std::visit(
      [&](const auto& b) {
        using B = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<B, DelegateBody>)
          s += b.range.to_string() + " to " + b.to.to_string() + " as " + std::string(holding_kind_name(b.kind)) +
               (b.kind == HoldingKind::lease ? " until " + rfc3339(b.lease_until) : "");
        else if constexpr (std::is_same_v<B, TransferBody>)
          s += b.range.to_string() + " to " + b.to.to_string();
        else if constexpr (std::is_same_v<B, ReturnBody> || std::is_same_v<B, RevokeBody>)
          s += b.range.to_string();
        else if constexpr (std::is_same_v<B, RenewBody>)
          s += b.range.to_string() + " until " + rfc3339(b.until);
        else if constexpr (std::is_same_v<B, AuthorizeBody> || std::is_same_v<B, WithdrawBody>)
          s += b.prefix.to_string() + " maxLength " + std::to_string(b.max_length) + " origin AS" +
               std::to_string(b.asn);
        else if constexpr (std::is_same_v<B, SetMetadataBody>)
          s += b.range.to_string() + " name='" + b.meta.name + "'";
        else if constexpr (std::is_same_v<B, RotateKeyBody>)
          s += "to key " + b.new_key.hex();
        else if constexpr (std::is_same_v<B, SetRecoveryBody>) {
          s += "threshold " + std::to_string(b.threshold) + " recovery ";
          for (size_t i = 0; i < b.accounts.size(); ++i) s += (i ? ", " : "") + b.accounts[i].to_string();
          s += " delay seconds " + std::to_string(b.delay);
        } else if constexpr (std::is_same_v<B, RecoverBody>)
          s += "account " + b.account.to_string() + " to key " + b.new_key.hex();
        else if constexpr (std::is_same_v<B, CancelRecoveryBody>)
          s.pop_back();
        else
          for (size_t i = 0; i < b.changes.size(); ++i)
            s += (i ? ", " : "") + AccountId{b.changes[i].key}.to_string() + "=" + std::to_string(b.changes[i].power);
      },
      tx.body);
  return s + " (signer " + tx.signer.to_string() + ", nonce " + std::to_string(tx.nonce) + ")";
}

inline json tx_json(const Transaction& tx) {
  using node::rfc3339;
  json j = {{"id", tx.id().hex()},
            {"kind", tx_kind_name(body_kind(tx.body))},
            {"chain_id", tx.chain_id},
            {"genesis_hash", tx.genesis_hash.hex()},
            {"signer", tx.signer.to_string()},
            {"nonce", tx.nonce},
            {"summary", describe(tx)}};
  json sigs = json::array();
  for (const auto& s : tx.signatures)
    sigs.push_back({{"account", AccountId{s.key}.to_string()}, {"signature", s.sig.hex()}});
  j["signatures"] = sigs;
  std::visit(
      [&](const auto& b) {
        using B = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<B, DelegateBody>) {
          j["range"] = b.range.to_string();
          j["to"] = b.to.to_string();
          j["holding_kind"] = holding_kind_name(b.kind);
          if (b.kind == HoldingKind::lease) j["lease_until"] = rfc3339(b.lease_until);
        } else if constexpr (std::is_same_v<B, TransferBody>) {
          j["range"] = b.range.to_string();
          j["to"] = b.to.to_string();
        } else if constexpr (std::is_same_v<B, ReturnBody> || std::is_same_v<B, RevokeBody>) {
          j["range"] = b.range.to_string();
        } else if constexpr (std::is_same_v<B, RenewBody>) {
          j["range"] = b.range.to_string();
          j["until"] = rfc3339(b.until);
        } else if constexpr (std::is_same_v<B, AuthorizeBody> || std::is_same_v<B, WithdrawBody>) {
          j["prefix"] = b.prefix.to_string();
          j["max_length"] = b.max_length;
          j["asn"] = "AS" + std::to_string(b.asn);
        } else if constexpr (std::is_same_v<B, SetMetadataBody>) {
          j["range"] = b.range.to_string();
          j["metadata"] = {{"name", b.meta.name},
                           {"country", b.meta.country},
                           {"source_registry", b.meta.source_registry},
                           {"source_handle", b.meta.source_handle},
                           {"abuse_contact", b.meta.abuse_contact}};
        } else if constexpr (std::is_same_v<B, RotateKeyBody>) {
          j["new_key"] = AccountId{b.new_key}.to_string();
        } else if constexpr (std::is_same_v<B, SetRecoveryBody>) {
          j["threshold"] = b.threshold;
          json accounts = json::array();
          for (const auto& a : b.accounts) accounts.push_back(a.to_string());
          j["accounts"] = accounts;
          j["delay"] = b.delay;
        } else if constexpr (std::is_same_v<B, RecoverBody>) {
          j["account"] = b.account.to_string();
          j["new_key"] = AccountId{b.new_key}.to_string();
        } else if constexpr (std::is_same_v<B, CancelRecoveryBody>) {
        } else {
          json changes = json::array();
          for (const auto& c : b.changes)
            changes.push_back({{"account", AccountId{c.key}.to_string()}, {"key", c.key.hex()}, {"power", c.power}});
          j["changes"] = changes;
        }
      },
      tx.body);
  return j;
}

inline json header_json(const BlockHeader& h) {
  return {{"chain_id", h.chain_id},
          {"height", h.height},
          {"time", h.time},
          {"time_rfc3339", node::rfc3339(h.time)},
          {"hash", h.hash().hex()},
          {"prev_hash", h.prev_hash.hex()},
          {"tx_root", h.tx_root.hex()},
          {"state_root", h.state_root.hex()},
          {"validator_set_hash", h.validator_set_hash.hex()},
          {"evidence_root", h.evidence_root.hex()},
          {"proposer", AccountId{h.proposer}.to_string()}};
}

inline json cert_json(const CommitCertificate& c) {
  json votes = json::array();
  for (const auto& v : c.votes)
    votes.push_back({{"validator", AccountId{v.validator}.to_string()}, {"signature", v.sig.hex()}});
  return {{"height", c.height}, {"round", c.round}, {"block_hash", c.block_hash.hex()}, {"votes", votes}};
}

// The state values' hand-written codecs and views, as they were before
// their field lists (ledger/holding.h).
inline Bytes encode_holding(const Holding& h) {
  Writer w;
  w.u64(h.id);
  h.range.encode(w);
  h.holder.encode(w);
  w.u64(h.parent).u8(static_cast<uint8_t>(h.kind)).u64(h.lease_until).u64(h.created_height);
  w.str(h.meta.name).str(h.meta.country).str(h.meta.source_registry).str(h.meta.source_handle).str(h.meta.abuse_contact);
  return w.take();
}

inline Holding decode_holding(Reader& r) {
  Holding h;
  h.id = r.u64();
  h.range = Resource::decode(r);
  h.holder = AccountId::decode(r);
  h.parent = r.u64();
  const uint8_t k = r.u8();
  if (k < 1 || k > 3) throw DecodeError("unknown holding kind " + std::to_string(k));
  h.kind = static_cast<HoldingKind>(k);
  h.lease_until = r.u64();
  h.created_height = r.u64();
  h.meta = decode_meta(r);
  return h;
}

inline Bytes encode_segment(const Segment& s) {
  Writer w;
  s.range.encode(w);
  w.u64(s.holding);
  return w.take();
}

inline Bytes encode_authorization(const Authorization& a) {
  Writer w;
  a.prefix.encode(w);
  w.u8(a.max_length).u32(a.asn);
  a.issuer.encode(w);
  w.u64(a.created_height);
  return w.take();
}

inline Bytes encode_account_state(const AccountState& a) {
  Writer w;
  w.u64(a.next_nonce).fixed(a.current.b);
  return w.take();
}

inline json holding_json(const Holding& h) {
  json j = {{"id", h.id},
            {"range", h.range.to_string()},
            {"family", family_name(h.range.family)},
            {"holder", h.holder.to_string()},
            {"parent", h.parent == 0 ? json(nullptr) : json(h.parent)},
            {"kind", holding_kind_name(h.kind)},
            {"created_height", h.created_height}};
  if (h.kind == HoldingKind::lease) {
    j["lease_until"] = h.lease_until;
    j["lease_until_rfc3339"] = node::rfc3339(h.lease_until);
  }
  json m = json::object();
  if (!h.meta.name.empty()) m["name"] = h.meta.name;
  if (!h.meta.country.empty()) m["country"] = h.meta.country;
  if (!h.meta.source_registry.empty()) m["source_registry"] = h.meta.source_registry;
  if (!h.meta.source_handle.empty()) m["source_handle"] = h.meta.source_handle;
  if (!h.meta.abuse_contact.empty()) m["abuse_contact"] = h.meta.abuse_contact;
  j["metadata"] = m;
  return j;
}

inline json authorization_json(const Authorization& a) {
  return {{"prefix", a.prefix.to_string()},
          {"max_length", a.max_length},
          {"asn", "AS" + std::to_string(a.asn)},
          {"issuer", a.issuer.to_string()},
          {"created_height", a.created_height}};
}

}  // namespace nl::test::legacy
