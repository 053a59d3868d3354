#include "node/json_views.h"

#include <ctime>

namespace nl::node {

using nlohmann::json;
using namespace nl::ledger;

std::string rfc3339(uint64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

json holding_json(const Holding& h) {
  json j = {{"id", h.id},
            {"range", h.range.to_string()},
            {"family", family_name(h.range.family)},
            {"holder", h.holder.to_string()},
            {"parent", h.parent == 0 ? json(nullptr) : json(h.parent)},
            {"kind", holding_kind_name(h.kind)},
            {"created_height", h.created_height}};
  if (h.kind == HoldingKind::lease) {
    j["lease_until"] = h.lease_until;
    j["lease_until_rfc3339"] = rfc3339(h.lease_until);
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

json authorization_json(const Authorization& a) {
  return {{"prefix", a.prefix.to_string()},
          {"max_length", a.max_length},
          {"asn", "AS" + std::to_string(a.asn)},
          {"issuer", a.issuer.to_string()},
          {"created_height", a.created_height}};
}

json tx_json(const Transaction& tx) {
  json j = {{"id", tx.id().hex()},
            {"kind", tx_kind_name(body_kind(tx.body))},
            {"chain_id", tx.chain_id},
            {"genesis_hash", tx.genesis_hash.hex()},
            {"signer", tx.signer.to_string()},
            {"nonce", tx.nonce},
            {"summary", tx.describe()}};
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
        } else if constexpr (std::is_same_v<B, ValidatorUpdateBody>) {
          json changes = json::array();
          for (const auto& c : b.changes)
            changes.push_back({{"account", AccountId{c.key}.to_string()}, {"key", c.key.hex()}, {"power", c.power}});
          j["changes"] = changes;
        }
      },
      tx.body);
  return j;
}

json header_json(const BlockHeader& h) {
  return {{"chain_id", h.chain_id},
          {"height", h.height},
          {"time", h.time},
          {"time_rfc3339", rfc3339(h.time)},
          {"hash", h.hash().hex()},
          {"prev_hash", h.prev_hash.hex()},
          {"tx_root", h.tx_root.hex()},
          {"state_root", h.state_root.hex()},
          {"validator_set_hash", h.validator_set_hash.hex()},
          {"evidence_root", h.evidence_root.hex()},
          {"proposer", AccountId{h.proposer}.to_string()}};
}

json cert_json(const CommitCertificate& c) {
  json votes = json::array();
  for (const auto& v : c.votes)
    votes.push_back({{"validator", AccountId{v.validator}.to_string()}, {"signature", v.sig.hex()}});
  return {{"height", c.height}, {"round", c.round}, {"block_hash", c.block_hash.hex()}, {"votes", votes}};
}

json evidence_json(const Evidence& e, std::optional<uint64_t> committed_height) {
  json j = {{"id", e.id().hex()},
            {"validator", AccountId{e.a.validator}.to_string()},
            {"validator_key", e.a.validator.hex()},
            {"height", e.a.height},
            {"round", e.a.round},
            {"type", e.a.type == VoteType::prevote ? "prevote" : "precommit"},
            {"block_hash_a", e.a.block_hash.hex()},
            {"block_hash_b", e.b.block_hash.hex()}};
  if (committed_height) j["committed_height"] = *committed_height;
  return j;
}

json validator_set_json(const ValidatorSet& set) {
  json vs = json::array();
  for (const auto& v : set.validators)
    vs.push_back({{"account", AccountId{v.key}.to_string()}, {"key", v.key.hex()}, {"power", v.power}});
  return {{"validators", vs}, {"total_power", set.total_power()}, {"hash", set.hash().hex()}};
}

}  // namespace nl::node
