// JSON renderings of ledger values for the HTTP API. JSON is for people
// and scripts only; nothing here is ever hashed or signed.
#pragma once
#include <nlohmann/json.hpp>

#include "ledger/time_text.h"
#include "ledger/block.h"
#include "ledger/evidence.h"
#include "ledger/holding.h"
#include "ledger/registry.h"
#include "ledger/transaction.h"
#include "ledger/validator_set.h"

namespace nl::node {

nlohmann::json holding_json(const ledger::Holding& h);
nlohmann::json authorization_json(const ledger::Authorization& a);
nlohmann::json tx_json(const ledger::Transaction& tx);
nlohmann::json header_json(const ledger::BlockHeader& h);
nlohmann::json cert_json(const ledger::CommitCertificate& c);
// validator, height, round, type, the two block hashes; committed_height
// when given.
nlohmann::json evidence_json(const ledger::Evidence& e, std::optional<uint64_t> committed_height = std::nullopt);
// keys, powers, total power and hash.
nlohmann::json validator_set_json(const ledger::ValidatorSet& set);
using ledger::rfc3339;  // ledger/time_text.h

}  // namespace nl::node
