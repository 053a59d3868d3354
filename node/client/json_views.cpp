#include "node/client/json_views.h"

#include <ctime>

#include "node/client/json_fields.h"

namespace nl::node {

using nlohmann::json;
using namespace nl::ledger;


// The field list's view, with what is derived: the family, no parent for
// a root, the lease time only for a lease, and only the metadata given.
json holding_json(const Holding& h) {
  json j = json_value(h);
  j["family"] = family_name(h.range.family);
  if (h.parent == 0) j["parent"] = nullptr;
  if (h.kind != HoldingKind::lease) {
    j.erase("lease_until");
    j.erase("lease_until_rfc3339");
  }
  json& m = j["metadata"];
  for (auto it = m.begin(); it != m.end();) it = it->get_ref<const std::string&>().empty() ? m.erase(it) : std::next(it);
  return j;
}

json authorization_json(const Authorization& a) { return json_value(a); }

json json_value(uint64_t v, Show s) {
  switch (s) {
    case Show::rfc3339: return rfc3339(v);
    case Show::asn: return "AS" + std::to_string(v);
    case Show::plain:
    case Show::unix_time: break;
  }
  return v;
}

json json_value(const Validator& v, Show) {
  return {{"account", AccountId{v.key}.to_string()}, {"key", v.key.hex()}, {"power", v.power}};
}

// The envelope and body from their field lists, with what is derived.
json tx_json(const Transaction& tx) {
  json j = json_value(tx);
  j["id"] = tx.id().hex();
  j["summary"] = tx.describe();
  return j;
}

json header_json(const BlockHeader& h) {
  json j = json_value(h);
  j["hash"] = h.hash().hex();
  return j;
}

json cert_json(const CommitCertificate& c) { return json_value(c); }

json evidence_json(const Evidence& e, std::optional<uint64_t> committed_height) {
  const std::string kind(EnumInfo<EvidenceKind>::name(e.kind()));
  json j = {{"id", e.id().hex()},
            {"kind", kind},
            {"validator", AccountId{e.offender()}.to_string()},
            {"validator_key", e.offender().hex()},
            {"height", e.height()},
            {"round", e.round()}};
  // A proposal's value is a block, so both kinds name two block hashes.
  if (const auto* v = e.vote()) {
    j["type"] = kind;  // the vote type, as before proposal evidence
    j["block_hash_a"] = v->a.block_hash.hex();
    j["block_hash_b"] = v->b.block_hash.hex();
  } else {
    const auto& p = *e.proposal();
    j["block_hash_a"] = p.a.value_id.hex();
    j["block_hash_b"] = p.b.value_id.hex();
    j["pol_round_a"] = p.a.pol_round;
    j["pol_round_b"] = p.b.pol_round;
  }
  if (committed_height) j["committed_height"] = *committed_height;
  return j;
}

json validator_set_json(const ValidatorSet& set) {
  return {{"validators", json_value(set.validators)}, {"total_power", set.total_power()}, {"hash", set.hash().hex()}};
}

}  // namespace nl::node
