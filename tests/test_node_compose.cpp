// Node (node/node.h) composes one process's services: these drive it in
// process, on real sockets and a real RocksDB, as numledgerd does.
#include <doctest/doctest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "crypto/key_file.h"
#include "node/client/http_client.h"
#include "node/node.h"
#include "support/fixtures.h"
#include "support/process.h"

using namespace nl;
using namespace std::chrono_literals;

namespace {

// One validator (key 100) that commits blocks alone.
node::NodeConfig one_validator(const test::TempDir& dir) {
  REQUIRE(test::test_genesis(1).save(dir / "genesis.json").ok());
  REQUIRE(crypto::save_key_file(dir / "validator.key", test::seeded_key(100), std::nullopt).ok());
  node::NodeConfig c;
  c.home = dir / "home";
  c.genesis = dir / "genesis.json";
  c.validator_key = dir / "validator.key";
  c.listen = "127.0.0.1:0";
  c.block_interval = 0.05;
  return c;
}

uint64_t served_height(uint16_t port) {
  auto r = node::http_request("http://127.0.0.1:" + std::to_string(port), "GET", "/api/v1/status", "", 2s);
  if (!r.ok() || r->status != 200) return 0;
  return nlohmann::json::parse(r->body).at("height").get<uint64_t>();
}

// Runs the node until it serves `height`, stops it the way a signal does,
// and returns the height run() reports.
uint64_t run_until(node::Node& n, uint64_t height) {
  uint64_t stopped_at = 0;
  std::thread runner([&] { stopped_at = n.run(); });
  uint64_t seen = 0;
  for (int i = 0; i < 400 && seen < height; ++i) {
    std::this_thread::sleep_for(25ms);
    seen = served_height(n.http_port());
  }
  boost::asio::post(n.io_context(), [&n] { n.stop(); });
  runner.join();
  CHECK_MESSAGE(seen >= height, "served height " << seen);
  return stopped_at;
}

}  // namespace

TEST_CASE("a node opens, serves and commits, stops on request, and reopens its chain where it stopped") {
  test::TempDir dir("nl-node-compose");
  const node::NodeConfig config = one_validator(dir);
  REQUIRE(node::check_config(config).ok());

  uint64_t first = 0;
  {
    auto n = node::Node::open(config);
    REQUIRE_MESSAGE(n.ok(), n.error());
    CHECK((*n)->http_port() != 0);
    first = run_until(**n, 3);
    CHECK(first >= 3);
  }
  auto again = node::Node::open(config);
  REQUIRE_MESSAGE(again.ok(), again.error());
  const uint64_t second = run_until(**again, first + 2);
  CHECK(second >= first + 2);
}

TEST_CASE("a bad address is refused before anything opens, naming its flag") {
  test::TempDir dir("nl-node-compose");
  node::NodeConfig c = one_validator(dir);
  c.peers = {"127.0.0.1"};
  auto s = node::check_config(c);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().find("--peer 127.0.0.1: ") == 0);
  c.peers.clear();
  c.whois_listen = "nowhere:x";
  s = node::check_config(c);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().find("--whois-listen: ") == 0);
  CHECK_FALSE(std::filesystem::exists(dir / "home"));
}

TEST_CASE("a node whose port is taken fails to open with the reason, and leaves its chain intact") {
  test::TempDir dir("nl-node-compose");
  node::NodeConfig c = one_validator(dir);
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor holder(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  c.listen = "127.0.0.1:" + std::to_string(holder.local_endpoint().port());
  auto n = node::Node::open(c);
  REQUIRE_FALSE(n.ok());
  CHECK_MESSAGE(n.error().find(c.listen) != std::string::npos, n.error());
  // The chain it opened is closed again and opens cleanly.
  holder.close();
  c.listen = "127.0.0.1:0";
  auto ok = node::Node::open(c);
  REQUIRE_MESSAGE(ok.ok(), ok.error());
}

TEST_CASE("a validator key that is missing or unreadable is an error that names the file") {
  test::TempDir dir("nl-node-compose");
  node::NodeConfig c = one_validator(dir);
  c.validator_key = dir / "absent.key";
  auto n = node::Node::open(c);
  REQUIRE_FALSE(n.ok());
  CHECK_MESSAGE(n.error().find("absent.key") != std::string::npos, n.error());
}
