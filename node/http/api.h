// The HTTP JSON API under /api/v1/. Every error is a 4xx (or 503) with a
// JSON body {"error": reason}; nothing a client sends can change state
// except a valid transaction that the rules accept.
#pragma once
#include <nlohmann/json_fwd.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "ledger/chain.h"
#include "node/driver/consensus_driver.h"
#include "node/net/http_server.h"

namespace nl::node {

class Api {
 public:
  Api(SharedChain& chain, ConsensusDriver& driver);
  void handle(HttpRequest req, Responder respond);

 private:
  HttpResponse status() const;
  HttpResponse peers() const;
  // A submitted transaction's hex, decoded and checked for this chain and
  // its signatures; the error is the client's 400.
  Result<ledger::Transaction> parse_submitted(const std::string& hex) const;
  void submit(const HttpRequest& req, Responder respond);
  // POST /api/v1/txs: many transactions, one answer each, without waiting
  // for commit (api_batch.cpp).
  void submit_batch(const HttpRequest& req, Responder respond);
  HttpResponse block(const std::string& arg) const;
  HttpResponse tx(const std::string& arg) const;
  // Paged lists (api_lists.cpp, api_paging.h).
  HttpResponse resource(const std::string& arg, const std::string& query) const;
  HttpResponse account(const std::string& arg, const std::string& query) const;
  HttpResponse history(const std::string& arg, const std::string& query) const;
  HttpResponse authorizations(const std::string& query) const;
  HttpResponse evidence(const std::string& query) const;
  HttpResponse proof(const std::string& arg) const;
  HttpResponse submit_evidence(const HttpRequest& req);
  HttpResponse validators(const std::string& query) const;
  HttpResponse rir_export(const std::string& registry) const;

  SharedChain& shared_;
  const ledger::Chain& chain_;  // shared_.chain(), read under its read lock
  ConsensusDriver& driver_;
  // The latest /rir export of each registry, built once per height and
  // shared by every client (whitepaper/security.md).
  struct CachedExport {
    uint64_t height = 0;
    std::shared_ptr<const std::string> body;
  };
  static constexpr size_t kMaxCachedExports = 8;
  mutable std::mutex exports_mu_;
  mutable std::map<std::string, CachedExport> exports_;
};

// Entries in one POST /api/v1/txs; the body limit (2 x 64 KiB + 4 KiB)
// usually binds first, at about 200 transactions of a few hundred bytes.
inline constexpr size_t kMaxBatchTxs = 1000;
// Key changes GET /api/v1/account lists: the newest this many.
inline constexpr size_t kMaxKeyHistory = 100;

HttpResponse json_error(unsigned status, const std::string& reason);
HttpResponse json_ok(const nlohmann::json& j);  // 200, indented
std::string url_decode(const std::string& s);

}  // namespace nl::node
