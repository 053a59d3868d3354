// What every hostile test asks of the node once an attack is over: it
// answers /api/v1/status to the honest client (127.0.0.1), commits a new
// transaction from it, and its resident memory stays under a bound.
#pragma once
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "attacker_sockets.h"
#include "node/client/http_client.h"
#include "node_fixture.h"

namespace nl::test {

// The RSS bound for one node under these attacks: a fresh node uses
// about 20-40 MiB; the bound leaves room for the chain, not for buffers
// an attacker could pile up.
inline constexpr uint64_t kHostileRssBoundKib = 256 * 1024;

// `prefix` must be one the root holder has not authorized yet on this node.
inline void check_node_after_attack(NodeFixture& n, const std::string& prefix) {
  auto status = node::http_request(n.url, "GET", "/api/v1/status", "", std::chrono::seconds(5));
  REQUIRE_MESSAGE(status.ok(), "status after the attack: " << (status.ok() ? "" : status.error()));
  CHECK(status->status == 200);
  n.roa("authorize", prefix, "AS64500", 24);  // waits for the commit
  const uint64_t rss = rss_kib(n.node.pid());
  MESSAGE("node RSS after the attack: " << rss / 1024 << " MiB");
  CHECK(rss > 0);
  CHECK(rss < kHostileRssBoundKib);
  CHECK(n.node.running());
}

}  // namespace nl::test
