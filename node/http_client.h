// A tiny blocking HTTP/1.1 client for the CLI and tests: one request per
// connection, with a deadline covering connect, send and receive.
#pragma once
#include <chrono>
#include <string>

#include "crypto/result.h"
#include "node/http_server.h"

namespace nl::node {

// url_base is "http://HOST:PORT" (optionally with a path prefix); target is
// appended to it. Only http:// is accepted. Any status is a successful
// result; errors are failures to reach the node or to get a whole answer.
Result<HttpResponse> http_request(const std::string& url_base, const std::string& method, const std::string& target,
                                  const std::string& body,
                                  std::chrono::seconds timeout = std::chrono::seconds(30));

}  // namespace nl::node
