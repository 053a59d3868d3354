// One HTTP request and its answer, as the server hands them to a handler
// and as the client returns them: no Beast types, so the client library
// and the handlers need not include the server.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace nl::node {

struct HttpRequest {
  std::string method;
  std::string target;  // path plus query, as sent
  std::string body;
  std::string remote;  // peer "ip:port"
  std::string host;    // the Host header as sent (may be empty); for absolute links
};

struct HttpResponse {
  unsigned status = 200;
  std::string body;
  std::string content_type = "application/json";
  // Further header fields, written as given (e.g. CORS, Allow).
  std::vector<std::pair<std::string, std::string>> headers = {};
  // When set, sent instead of `body` and never copied: one export serves
  // every client that asks for it.
  std::shared_ptr<const std::string> shared_body = {};
};

}  // namespace nl::node
