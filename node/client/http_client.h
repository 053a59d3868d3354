// A small blocking HTTP/1.1 client for the CLI, tests and benchmarks, with a
// deadline covering connect, send and receive. HttpClient keeps its
// connection open between requests (a load generator that opened one per
// request would spend more on TCP set-up than the node spends on the
// request); http_request is one request on a fresh connection.
#pragma once
#include <chrono>
#include <memory>
#include <string>

#include "crypto/basics/result.h"
#include "node/net/http_message.h"

namespace nl::node {

class HttpClient {
 public:
  // url_base is "http://HOST:PORT" (optionally with a path prefix); a
  // request's target is appended to it. Only http:// is accepted: a bad
  // URL is reported by every request.
  explicit HttpClient(std::string url_base);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Any status is a successful result; errors are failures to reach the
  // node or to get a whole answer. A kept connection that the server closed
  // meanwhile (nothing of the answer read) is reopened and the request sent
  // once more.
  Result<HttpResponse> request(const std::string& method, const std::string& target, const std::string& body,
                               std::chrono::seconds timeout = std::chrono::seconds(30));

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  friend Result<HttpResponse> http_request(const std::string&, const std::string&, const std::string&,
                                           const std::string&, std::chrono::seconds);
};

// One request on its own connection, closed after the answer.
Result<HttpResponse> http_request(const std::string& url_base, const std::string& method, const std::string& target,
                                  const std::string& body,
                                  std::chrono::seconds timeout = std::chrono::seconds(30));

}  // namespace nl::node
