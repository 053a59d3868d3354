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

namespace nl::ledger {

struct Validator {
  crypto::PublicKey key;
  uint64_t power = 1;
  auto operator<=>(const Validator&) const = default;
};

struct ValidatorSet {
  std::vector<Validator> validators;  // sorted by key
  uint64_t total_power() const;
  const Validator* find(const crypto::PublicKey& k) const;
  void encode(Writer& w) const;
  crypto::Hash32 hash() const;
  // > 2/3 of power signed vote_sign_bytes(precommit) for cert.block_hash.
  Status verify_commit(const std::string& chain_id, const CommitCertificate& cert) const;
};

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
