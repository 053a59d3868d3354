// Where a proof verifier starts: a validator set it trusts to vote at a
// height of one chain. From a genesis file that is the genesis set at
// height 1; a verifier that has already checked a later set may keep it
// (`proof verify --save-trusted-set`) and start there next time, skipping
// the set changes before it.
// JSON: {"chain_id", "genesis_hash" (hex), "height",
//        "validators": [{"account", "power"}, ...]}, the validators in the
//        genesis file's form.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "crypto/basics/result.h"
#include "crypto/hash.h"
#include "ledger/genesis.h"
#include "ledger/validator_set.h"

namespace nl::ledger {

inline constexpr uint64_t kMaxTrustedSetFileBytes = 1024 * 1024;

struct TrustedSet {
  std::string chain_id;
  crypto::Hash32 genesis_hash;  // votes sign it (ledger/vote.h)
  uint64_t height = 1;          // the set votes at this height
  ValidatorSet set;

  static TrustedSet from_genesis(const Genesis& g);
  std::string to_json() const;
  static Result<TrustedSet> from_json(std::string_view text);
  static Result<TrustedSet> load(const std::string& path);
};

// The genesis file's "validators" array, read and written in one place.
nlohmann::json validators_to_json(const ValidatorSet& s);
Result<ValidatorSet> validators_from_json(const nlohmann::json& array, const std::string& where);

}  // namespace nl::ledger
