// The web explorer (issue 17, item 4): one HTML page and its script, built
// into numledgerd from node/explorer/index.html and explorer.js, served at
// / and /explorer.js. It reads the node's own /api/v1 and fetches nothing
// from anywhere else (its Content-Security-Policy says so to the browser).
#pragma once
#include <optional>

#include "node/net/http_message.h"

namespace nl::node {

// The page or the script for GET / and /explorer.js; none for other targets.
std::optional<HttpResponse> explorer_response(const HttpRequest& req);

}  // namespace nl::node
