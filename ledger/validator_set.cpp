#include "ledger/validator_set.h"

#include <algorithm>

#include "crypto/domain_tags.h"
#include "ledger/account.h"
#include "ledger/resource.h"

namespace nl::ledger {

uint64_t ValidatorSet::total_power() const {
  uint64_t t = 0;
  for (const auto& v : validators) t += v.power;
  return t;
}

const Validator* ValidatorSet::find(const crypto::PublicKey& k) const {
  auto it = std::lower_bound(validators.begin(), validators.end(), k,
                             [](const Validator& v, const crypto::PublicKey& key) { return v.key < key; });
  return it != validators.end() && it->key == k ? &*it : nullptr;
}

Status ValidatorSet::validate() const {
  if (validators.empty()) return fail("validator set is empty");
  if (validators.size() > kMaxValidators)
    return fail("validator set has " + std::to_string(validators.size()) + " validators; at most " +
                std::to_string(kMaxValidators) + " are allowed");
  uint64_t total = 0;
  for (size_t i = 0; i < validators.size(); ++i) {
    const auto& v = validators[i];
    if (i > 0 && !(validators[i - 1].key < v.key))
      return fail("validator set lists a key twice or out of order: " + v.key.hex());
    if (v.power == 0) return fail("validator " + v.key.hex() + " has zero power");
    if (v.power > kMaxTotalPower || (total += v.power) > kMaxTotalPower)
      return fail("validator set's total power exceeds " + std::to_string(kMaxTotalPower));
  }
  return {};
}

ValidatorSet ValidatorSet::decode(Reader& r) {
  ValidatorSet s;
  s.validators = decode_validators(r);
  if (auto st = s.validate(); !st) throw DecodeError(st.error());
  return s;
}

void ValidatorSet::encode(Writer& w) const {
  encode_validators(w, validators);
}

crypto::Hash32 ValidatorSet::hash() const {
  Writer w;
  encode(w);
  return crypto::tagged_hash(tags::kValidatorSet, w.data());
}

Status ValidatorSet::verify_commit(const crypto::Hash32& genesis_hash, const CommitCertificate& cert) const {
  Bytes msg = vote_sign_bytes(genesis_hash, cert.height, cert.round, VoteType::precommit, cert.block_hash);
  unsigned __int128 signed_power = 0;
  for (size_t i = 0; i < cert.votes.size(); ++i) {
    const auto& v = cert.votes[i];
    if (i > 0 && !(cert.votes[i - 1].validator < v.validator))
      return fail("certificate lists a validator twice or out of order");
    const Validator* val = find(v.validator);
    if (!val) return fail("certificate signer " + v.validator.hex() + " is not a validator");
    if (!crypto::verify(v.validator, msg, v.sig))
      return fail("certificate signature by validator " + v.validator.hex() + " does not verify");
    signed_power += val->power;
  }
  if (signed_power * 3 <= static_cast<unsigned __int128>(total_power()) * 2)
    return fail("certificate carries " + format_u128(signed_power) + " of " +
                std::to_string(total_power()) + " voting power; more than 2/3 is needed");
  return {};
}

uint64_t ValidatorSet::power_of(const std::vector<crypto::PublicKey>& keys) const {
  uint64_t power = 0;
  for (const auto& v : validators)
    if (std::find(keys.begin(), keys.end(), v.key) != keys.end()) power += v.power;
  return power;
}

bool ValidatorSet::more_than_two_thirds(uint64_t power) const {
  return static_cast<unsigned __int128>(power) * 3 > static_cast<unsigned __int128>(total_power()) * 2;
}

}  // namespace nl::ledger

namespace nl::ledger {

Result<ValidatorSet> compose_validator_changes(const ValidatorSet& before, const std::vector<Validator>& changes,
                                               uint64_t target) {
  ValidatorSet next = before;
  auto& vs = next.validators;
  for (const auto& c : changes) {
    auto it = std::lower_bound(vs.begin(), vs.end(), c.key,
                               [](const Validator& v, const crypto::PublicKey& k) { return v.key < k; });
    const bool present = it != vs.end() && it->key == c.key;
    if (c.power == 0) {
      if (!present)
        return fail("validator-update removes " + AccountId{c.key}.to_string() +
                    ", which is not a validator at height " + std::to_string(target));
      vs.erase(it);
    } else if (present) {
      it->power = c.power;
    } else {
      vs.insert(it, c);
    }
  }
  if (next == before) return fail("validator-update changes nothing: every power it sets is already in force");
  if (auto s = next.validate(); !s)
    return fail("validator-update would leave an invalid validator set for height " + std::to_string(target) + ": " +
                s.error());
  return next;
}

}  // namespace nl::ledger
