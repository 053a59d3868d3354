// The genesis: chain id, initial validators and root holdings. Its JSON
// file is what operators exchange; its hash is taken over the canonical
// encoding, never over JSON.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "crypto/hash.h"
#include "crypto/result.h"
#include "ledger/block.h"
#include "ledger/holding.h"
#include "ledger/validator_set.h"

namespace nl::ledger {

struct GenesisRoot {
  Resource range;
  AccountId holder;
  Metadata meta;
};

struct Genesis {
  std::string chain_id;
  uint64_t genesis_time = 0;
  ValidatorSet validators;
  std::vector<GenesisRoot> roots;

  crypto::Hash32 hash() const;
  std::string to_json() const;
  static Result<Genesis> from_json(std::string_view text);
  static Result<Genesis> load(const std::string& path);
  Status save(const std::string& path) const;
};

}  // namespace nl::ledger
