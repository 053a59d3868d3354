// Talking to a node's HTTP JSON API (/api/v1/, see node/http/api.cpp). Every
// failure comes back as a reason a person can act on: the node's own
// "error" text for a 4xx, or why the node could not be reached.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "crypto/hash.h"
#include "crypto/basics/result.h"
#include "ledger/account.h"

namespace nl::cli {

// An answer the node gave, successful or not.
struct NodeReply {
  unsigned status = 0;
  nlohmann::json body;  // null when the body was not JSON
  // The node's "error" text, or a description of the status.
  std::string reason() const;
};

// Which chain a transaction is signed for: both go into the signed bytes.
struct ChainIdentity {
  std::string chain_id;
  crypto::Hash32 genesis_hash;
};

class NodeClient {
 public:
  // `url` like http://127.0.0.1:8640; a bare host:port gets http://.
  explicit NodeClient(std::string url, std::chrono::seconds timeout = std::chrono::seconds(15));
  const std::string& url() const { return base_; }

  // Any HTTP answer; an error only when the node could not be reached.
  Result<NodeReply> request(const std::string& method, const std::string& target,
                            const std::string& body = "",
                            std::chrono::seconds timeout = std::chrono::seconds(0)) const;
  // GET that succeeds only on 200 with a JSON object.
  Result<nlohmann::json> get(const std::string& target) const;

  // The chain id and genesis hash of /api/v1/status.
  Result<ChainIdentity> chain() const;
  Result<uint64_t> next_nonce(const ledger::AccountId& account) const;

 private:
  std::string base_;
  std::chrono::seconds timeout_;
};

// Percent-encodes one path segment ('/' becomes %2F).
std::string encode_path_segment(std::string_view s);

}  // namespace nl::cli
