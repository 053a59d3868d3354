// The HTTP JSON API under /api/v1/. Every error is a 4xx (or 503) with a
// JSON body {"error": reason}; nothing a client sends can change state
// except a valid transaction that the rules accept.
#pragma once
#include <string>

#include "ledger/chain.h"
#include "node/consensus_driver.h"
#include "node/http_server.h"

namespace nl::node {

class Api {
 public:
  Api(ledger::Chain& chain, ConsensusDriver& driver);
  void handle(HttpRequest req, Responder respond);

 private:
  HttpResponse status() const;
  HttpResponse peers() const;
  void submit(const HttpRequest& req, Responder respond);
  HttpResponse block(const std::string& arg) const;
  HttpResponse tx(const std::string& arg) const;
  HttpResponse resource(const std::string& arg) const;
  HttpResponse account(const std::string& arg) const;
  HttpResponse history(const std::string& arg, const std::string& query) const;
  HttpResponse proof(const std::string& arg) const;
  HttpResponse authorizations() const;
  HttpResponse evidence() const;
  HttpResponse submit_evidence(const HttpRequest& req);
  HttpResponse validators(const std::string& query) const;
  HttpResponse rir_export(const std::string& registry) const;

  ledger::Chain& chain_;
  ConsensusDriver& driver_;
};

HttpResponse json_error(unsigned status, const std::string& reason);
std::string url_decode(const std::string& s);

}  // namespace nl::node
