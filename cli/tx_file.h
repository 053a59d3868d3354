// The transaction file: JSON that people can read, around the canonical
// bytes that are the authority.
//   {"type": "numledger-tx", "version": 1, "id": hex, "summary": text,
//    "tx": hex(Transaction::encode())}
// "id" and "summary" are derived; on reading, "id" must match the bytes so
// that a hand-edited file is caught instead of half-believed.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "crypto/basics/result.h"
#include "ledger/transaction.h"

namespace nl::cli {

inline constexpr const char* kTxFileType = "numledger-tx";
inline constexpr int kTxFileVersion = 1;

nlohmann::json tx_file_json(const ledger::Transaction& tx);
// Errors name the file and say what is wrong with it.
Result<ledger::Transaction> read_tx_file(const std::string& path);
// Overwrites `path` atomically.
Status write_tx_file(const std::string& path, const ledger::Transaction& tx);

// A party other than the signer whose signature the rules require: the
// recipient of a transfer, the new key of a rotation.
struct CoSigner {
  std::string role;
  crypto::PublicKey key;
};
std::vector<CoSigner> required_cosigners(const ledger::Transaction& tx);

}  // namespace nl::cli
