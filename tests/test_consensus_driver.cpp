// The consensus driver in one process: nodes with their own chain (RocksDB
// in a temp dir), FileWal, HttpServer and P2pNetwork on 127.0.0.1, each on
// an io_context with two threads. A lone validator makes certified blocks
// (empty ones too) and one short of 2/3 makes none; four validators agree
// block by block; a transaction submitted to one commits on all; of two
// conflicting transfers sent to two nodes exactly one commits and the other
// is refused with the reason; an observer joining late syncs from height 0
// by block ranges; a validator restarted from its home catches up; an
// equivocating validator's evidence is committed; the test fault file
// partitions a validator off and emptying it heals the partition.
#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>

#include "node/driver/file_wal.h"
#include "node/client/http_client.h"
#include "support/driver_node.h"
#include "support/fixtures.h"
#include "support/process.h"

using namespace nl;
using namespace nl::ledger;
using namespace std::chrono_literals;
using nl::node::SubmitResult;
using Outcome = nl::node::SubmitResult::Outcome;
using test::DriverNode;
using test::DriverNodeOptions;
using test::eventually;

namespace {

crypto::SecretKey key(uint8_t fill) { return test::seeded_key(fill); }
AccountId acct(uint8_t fill) { return test::seeded_account(fill); }

// The answer a submitter got, from whichever thread.
struct Answer {
  std::mutex m;
  std::optional<SubmitResult> got;
  node::SubmitCallback cb() {
    return [this](SubmitResult r) {
      std::lock_guard lk(m);
      got = std::move(r);
    };
  }
  std::optional<SubmitResult> get() {
    std::lock_guard lk(m);
    return got;
  }
  bool wait(std::chrono::milliseconds limit) {
    return eventually([&] { return get().has_value(); }, limit);
  }
};

// N validators (keys 100..) in a full mesh, plus the observers added later.
struct Net {
  test::TempDir dir{"nl-driver"};
  Genesis g;
  std::vector<std::unique_ptr<DriverNode>> nodes;

  explicit Net(size_t validators, DriverNodeOptions base = {}) : g(test::test_genesis(validators)) {
    for (size_t i = 0; i < validators; ++i) {
      DriverNodeOptions o = base;
      o.validator = key(uint8_t(100 + i));
      nodes.push_back(std::make_unique<DriverNode>(dir / ("v" + std::to_string(i)), g, o));
      nodes.back()->open();
    }
  }
  std::vector<std::string> addresses_except(size_t i) const {
    std::vector<std::string> out;
    for (size_t j = 0; j < nodes.size(); ++j)
      if (j != i && nodes[j]->running()) out.push_back(nodes[j]->address());
    return out;
  }
  void start_all() {
    for (size_t i = 0; i < nodes.size(); ++i) nodes[i]->start(addresses_except(i));
  }
  DriverNode& operator[](size_t i) { return *nodes.at(i); }
  uint64_t min_height(size_t count) {
    uint64_t h = UINT64_MAX;
    for (size_t i = 0; i < count; ++i) h = std::min(h, nodes[i]->height());
    return h;
  }
  bool all_at_least(size_t count, uint64_t h) { return min_height(count) >= h; }
};

}  // namespace

TEST_CASE("driver: a lone validator makes certified blocks on its own, empty ones included, and commits what it is given") {
  test::TempDir dir{"nl-driver-one"};
  DriverNodeOptions o;
  o.validator = key(100);
  o.block_interval = 50ms;
  Genesis g = test::test_genesis(1);
  DriverNode n(dir / "home", g, o);
  n.open();
  n.start({});
  REQUIRE(eventually([&] { return n.height() >= 2; }, 10s));

  Answer a, b;
  auto tx = test::delegate("10.1.0.0/16", 1, 2, 1, g.hash());
  n.driver().submit(tx, a.cb());
  n.driver().submit(tx, b.cb());
  REQUIRE(a.wait(10s));
  REQUIRE(b.wait(10s));
  CHECK(a.get()->outcome == Outcome::committed);
  CHECK(b.get()->outcome == Outcome::committed);
  CHECK(a.get()->height == b.get()->height);
  CHECK(a.get()->height >= 3);
  REQUIRE(eventually([&] { return n.height() >= a.get()->height + 2; }, 10s));
  n.driver().stop();

  n.read([&](const Chain& c) {
    size_t empty = 0;
    for (uint64_t i = 1; i <= c.height(); ++i) {
      auto blk = c.store().block(i);
      REQUIRE(blk.ok());
      if (blk->txs.empty()) ++empty;
      CHECK(blk->header.proposer == key(100).public_key());
      auto cert = c.store().cert(i);
      REQUIRE_MESSAGE(cert.ok(), cert.error());
      CHECK(cert->height == i);
      CHECK(cert->block_hash == blk->header.hash());
      auto v = g.validators.verify_commit(g.hash(), *cert);
      CHECK_MESSAGE(v.ok(), "height " << i << ": " << v.error());
    }
    CHECK(empty >= 3);
    auto loc = c.store().find_tx(tx.id());
    REQUIRE(loc.has_value());
    CHECK(loc->height == a.get()->height);
    return 0;
  });
  // What was signed below the tip is pruned from the WAL.
  n.stop();
  auto wal = node::FileWal::open(dir / "home/consensus.wal");
  REQUIRE(wal.ok());
  auto entries = (*wal)->load();
  REQUIRE(entries.ok());
  uint64_t committed;
  {
    auto c = Chain::open(dir / "home/ledger", g);
    REQUIRE(c.ok());
    committed = (*c)->height();
  }
  for (const auto& e : *entries) CHECK(consensus::wal_entry_height(e) > committed);
}

TEST_CASE("driver: a validator holding 1/4 of the power alone commits nothing") {
  test::TempDir dir{"nl-driver-minority"};
  DriverNodeOptions o;
  o.validator = key(100);
  o.timeout_ms = 50;
  o.block_interval = 10ms;
  DriverNode n(dir / "home", test::test_genesis(4), o);
  n.open();
  n.start({});
  std::this_thread::sleep_for(1500ms);
  CHECK(n.height() == 0);
  CHECK(n.driver().status().height == 1);  // still deciding the first height
}

TEST_CASE("driver: four validators agree block by block; a transaction sent to one commits on all") {
  Net net(4);
  net.start_all();
  REQUIRE_MESSAGE(eventually([&] { return net.all_at_least(4, 3); }, 30s), "heights " << net[0].height() << " "
                                                                                     << net[1].height() << " "
                                                                                     << net[2].height() << " "
                                                                                     << net[3].height());
  for (size_t i = 0; i < 4; ++i) CHECK(net[i].driver().peers().size() == 3);

  Answer a;
  auto tx = test::delegate("10.1.0.0/16", 1, 2, 1);
  REQUIRE(tx.check_signatures().ok());
  net[2].driver().submit(tx, a.cb());
  REQUIRE(a.wait(20s));
  REQUIRE_MESSAGE(a.get()->outcome == Outcome::committed, a.get()->reason);
  const uint64_t at = a.get()->height;
  REQUIRE(eventually([&] { return net.all_at_least(4, at + 1); }, 20s));
  for (size_t i = 0; i < 4; ++i) {
    auto loc = net[i].read([&](const Chain& c) { return c.store().find_tx(tx.id()); });
    REQUIRE(loc.has_value());
    CHECK(loc->height == at);
    CHECK(net[i].read([](const Chain& c) {
      auto h = c.registry().chain(Resource::parse("10.1.2.3").value());
      return h.empty() ? AccountId{} : h.back().holder;
    }) == acct(2));
  }
  // The same block and state root at every height, on every node.
  const uint64_t top = net.min_height(4);
  for (uint64_t h = 1; h <= top; ++h)
    for (size_t i = 1; i < 4; ++i) {
      CHECK_MESSAGE(net[i].hash_at(h) == net[0].hash_at(h), "height " << h << " node " << i);
      CHECK(net[i].state_root_at(h) == net[0].state_root_at(h));
    }

  // Through the API of another node: POST /api/v1/tx waits for the commit.
  auto tx2 = test::delegate("10.2.0.0/16", 1, 3, 2);
  auto r = node::http_request(net[1].url(), "POST", "/api/v1/tx", nlohmann::json{{"tx", to_hex(tx2.encode())}}.dump(),
                              std::chrono::seconds(20));
  REQUIRE(r.ok());
  CHECK_MESSAGE(r->status == 200, r->body);
  auto body = nlohmann::json::parse(r->body);
  CHECK(body["status"] == "committed");
  auto status = node::http_request(net[3].url(), "GET", "/api/v1/status", "", std::chrono::seconds(5));
  REQUIRE(status.ok());
  auto st = nlohmann::json::parse(status->body);
  CHECK(st["peers"] == 3);
  CHECK(st["validator"] == true);
  CHECK(st["node_key"] == key(103).public_key().hex());
  auto peers = node::http_request(net[3].url(), "GET", "/api/v1/peers", "", std::chrono::seconds(5));
  REQUIRE(peers.ok());
  auto pj = nlohmann::json::parse(peers->body);
  REQUIRE(pj["peers"].size() == 3);
  CHECK(pj["peers"][0]["validator"] == true);
  CHECK(pj["peers"][0]["address"].get<std::string>().rfind("127.0.0.1:", 0) == 0);
}

TEST_CASE("driver: of two conflicting transfers sent to two nodes, exactly one commits everywhere and the other is refused") {
  Net net(4);
  net.start_all();
  Answer setup;
  net[0].driver().submit(test::delegate("10.1.0.0/16", 1, 5, 1), setup.cb());
  REQUIRE(setup.wait(30s));
  REQUIRE(setup.get()->outcome == Outcome::committed);
  auto to_2 = test::signed_tx(TransferBody{Resource::parse("10.1.0.0/24").value(), acct(2)}, 5, 1);
  to_2.sign(key(2));
  auto to_3 = test::signed_tx(TransferBody{Resource::parse("10.1.0.0/24").value(), acct(3)}, 5, 1);
  to_3.sign(key(3));
  Answer a2, a3;
  net[1].driver().submit(to_2, a2.cb());
  net[2].driver().submit(to_3, a3.cb());
  REQUIRE(a2.wait(20s));
  REQUIRE(a3.wait(20s));
  const bool two_won = a2.get()->outcome == Outcome::committed;
  auto& won = two_won ? a2 : a3;
  auto& lost = two_won ? a3 : a2;
  REQUIRE_MESSAGE(won.get()->outcome == Outcome::committed, won.get()->reason);
  CHECK(lost.get()->outcome == Outcome::rejected);
  // Refused at admission (the nonce is taken, or used) or dropped after the
  // winner committed: either way the nonce is why.
  CHECK_MESSAGE(lost.get()->reason.find("nonce 1 of ") != std::string::npos, lost.get()->reason);
  const uint64_t at = won.get()->height;
  REQUIRE(eventually([&] { return net.all_at_least(4, at); }, 20s));
  const AccountId winner = two_won ? acct(2) : acct(3);
  for (size_t i = 0; i < 4; ++i) {
    CHECK(net[i].read([](const Chain& c) {
      auto h = c.registry().chain(Resource::parse("10.1.0.9").value());
      return h.empty() ? AccountId{} : h.back().holder;
    }) == winner);
    // The loser leaves every pool with the re-check after the commit.
    CHECK(eventually([&] { return net[i].driver().mempool().size() == 0; }, 5s));
  }
}

TEST_CASE("driver: an observer joining late syncs from height 0 by block ranges and follows") {
  DriverNodeOptions fast;
  fast.block_interval = 20ms;
  Net net(4, fast);
  net.start_all();
  for (int i = 0; i < 5; ++i) {
    Answer a;
    net[size_t(i) % 4].driver().submit(test::delegate(("10." + std::to_string(10 + i) + ".0.0/16").c_str(), 1, 2,
                                                      uint64_t(i) + 1),
                                       a.cb());
    REQUIRE(a.wait(20s));
    REQUIRE(a.get()->outcome == Outcome::committed);
  }
  REQUIRE(eventually([&] { return net.all_at_least(4, 20); }, 60s));
  const uint64_t target = net.min_height(4);

  DriverNode obs(net.dir / "observer", net.g, DriverNodeOptions{});
  obs.open();
  obs.start(net.addresses_except(99));
  REQUIRE_MESSAGE(eventually([&] { return obs.height() >= target; }, 30s), "observer at " << obs.height());
  CHECK(obs.driver().status().validator == false);
  for (uint64_t h = 1; h <= target; ++h) {
    CHECK_MESSAGE(obs.hash_at(h) == net[0].hash_at(h), "height " << h);
    CHECK(obs.state_root_at(h) == net[0].state_root_at(h));
  }
  // Then it follows new heights as they are decided.
  REQUIRE(eventually([&] { return obs.height() >= target + 5; }, 30s));
  // The observer may have it from a faster validator before validator 0 commits it.
  REQUIRE(eventually([&] { return net[0].height() >= target + 5; }, 30s));
  CHECK(obs.hash_at(target + 5) == net[0].hash_at(target + 5));
}

TEST_CASE("driver: a validator stopped and restarted from its home catches up and agrees") {
  Net net(4);
  net.start_all();
  REQUIRE(eventually([&] { return net.all_at_least(4, 3); }, 30s));
  const uint16_t port = net[3].port();
  net[3].stop();
  // Three of four still hold more than 2/3: the chain goes on.
  const uint64_t before = net.min_height(3);
  Answer a;
  net[0].driver().submit(test::delegate("10.1.0.0/16", 1, 2, 1), a.cb());
  REQUIRE(a.wait(30s));
  REQUIRE(a.get()->outcome == Outcome::committed);
  REQUIRE(eventually([&] { return net.all_at_least(3, before + 5); }, 30s));

  net[3].open(port);
  net[3].start(net.addresses_except(3));
  const uint64_t target = net.min_height(3);
  REQUIRE_MESSAGE(eventually([&] { return net[3].height() >= target; }, 30s), "restarted node at " << net[3].height());
  for (uint64_t h = 1; h <= target; ++h) CHECK(net[3].hash_at(h) == net[0].hash_at(h));
  // And it takes part again: the four decide on.
  REQUIRE(eventually([&] { return net.all_at_least(4, target + 3); }, 30s));
}

TEST_CASE("driver: an equivocating validator's double votes become committed evidence") {
  test::TempDir faults{"nl-driver-equivocate"};
  const std::string plan = faults / "plan";
  std::ofstream(plan) << "* equivocate\n";
  Net net(4);
  // Rebuild validator 3 as the equivocator, before anything starts.
  const std::string home = net.dir / "v3";
  net.nodes[3]->stop();
  DriverNodeOptions o;
  o.validator = key(103);
  o.fault_plan = plan;
  net.nodes[3] = std::make_unique<DriverNode>(home, net.g, o);
  net.nodes[3]->open();
  net.start_all();
  REQUIRE(eventually(
      [&] { return net[0].read([](const Chain& c) { return !c.registry().evidence_of(key(103).public_key()).empty(); }); },
      30s));
  // Safe and live: the honest three agree and go on.
  const uint64_t h = net.min_height(3);
  REQUIRE(eventually([&] { return net.all_at_least(3, h + 2); }, 30s));
  for (uint64_t i = 1; i <= h; ++i) {
    CHECK(net[1].hash_at(i) == net[0].hash_at(i));
    CHECK(net[2].hash_at(i) == net[0].hash_at(i));
  }
  for (size_t i = 1; i < 3; ++i)
    CHECK(net[i].read([](const Chain& c) { return !c.registry().evidence_of(key(103).public_key()).empty(); }));
}

TEST_CASE("driver: a fault plan cuts a validator off its peers, and emptying it heals the partition") {
  test::TempDir faults{"nl-driver-faults"};
  const std::string file = faults / "plan";
  Net net(4);
  // Rebuild validator 3 with a fault file, before anything starts.
  const std::string home = net.dir / "v3";
  net.nodes[3]->stop();
  DriverNodeOptions o;
  o.validator = key(103);
  o.fault_plan = file;
  net.nodes[3] = std::make_unique<DriverNode>(home, net.g, o);
  net.nodes[3]->open();
  net.start_all();
  REQUIRE(eventually([&] { return net.all_at_least(4, 2); }, 30s));
  {
    // Written aside and renamed, so the poller never reads half a plan.
    std::ofstream f(file + ".tmp");
    for (uint8_t k = 100; k < 103; ++k) f << key(k).public_key().hex() << " partition\n";
  }
  std::filesystem::rename(file + ".tmp", file);
  std::this_thread::sleep_for(500ms);  // polled every 100 ms
  const uint64_t cut_at = net[3].height();
  // The other three hold more than 2/3 and go on; the cut-off one cannot.
  REQUIRE(eventually([&] { return net.all_at_least(3, cut_at + 4); }, 30s));
  CHECK(net[3].height() <= cut_at + 1);
  std::ofstream(file + ".tmp", std::ios::trunc).close();
  std::filesystem::rename(file + ".tmp", file);
  const uint64_t target = net.min_height(3);
  REQUIRE_MESSAGE(eventually([&] { return net[3].height() >= target; }, 30s), "healed node at " << net[3].height());
  for (uint64_t h = 1; h <= target; ++h) CHECK(net[3].hash_at(h) == net[0].hash_at(h));
}
