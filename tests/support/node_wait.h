// Waiting for a numledgerd started by a test to answer its API.
#pragma once
#include <chrono>
#include <string>
#include <thread>

#include "node/client/http_client.h"

namespace nl::test {

// True once GET /api/v1/status answers 200, polling every 50 ms for up to
// `limit`.
inline bool api_answers(const std::string& url, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  do {
    auto r = node::http_request(url, "GET", "/api/v1/status", "", std::chrono::seconds(2));
    if (r.ok() && r->status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (std::chrono::steady_clock::now() < end);
  return false;
}

}  // namespace nl::test
