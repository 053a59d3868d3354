// FaultTransport (node/transport/fault_transport.h) over a recording transport: what
// each fault does to frames, both ways, with measured delays; the plan
// file is re-read when replaced; and over a real P2pNetwork, a partition
// drops frames both ways while the connection stays.
#include <doctest/doctest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "consensus/message.h"
#include "node/transport/fault_transport.h"
#include "support/p2p_nodes.h"
#include "support/process.h"

using namespace nl;
using namespace nl::node;
using namespace nl::test;
using namespace std::chrono_literals;
namespace p2p = nl::node::p2p;
using Clock = std::chrono::steady_clock;

namespace {

p2p::StatusMessage status(uint64_t h) { return p2p::StatusMessage{h, crypto::sha256(as_bytes(std::to_string(h)))}; }

// Records what is sent, with when; hands frames and peers to its handlers on demand.
class RecordingTransport final : public Transport {
 public:
  struct Sent {
    PeerId peer;
    p2p::P2pMessage m;
    Clock::time_point at;
  };
  void set_handlers(OnMessage m, OnPeer p) override {
    std::lock_guard lock(mu_);
    on_message_ = std::move(m);
    on_peer_ = std::move(p);
  }
  void broadcast(const p2p::P2pMessage& m, std::optional<PeerId> except) override {
    for (const auto& p : peers())
      if (p.id != except) send(p.id, m);
  }
  void send(PeerId peer, const p2p::P2pMessage& m) override {
    std::lock_guard lock(mu_);
    sent_.push_back({peer, m, Clock::now()});
  }
  void send(const std::vector<PeerId>& peers, const p2p::P2pMessage& m) override {
    for (PeerId p : peers) send(p, m);
  }
  void penalize(PeerId, int, const std::string&) override {}
  std::vector<PeerInfo> peers() const override {
    std::lock_guard lock(mu_);
    return peers_;
  }

  void connect(const PeerInfo& p) {
    OnPeer h;
    {
      std::lock_guard lock(mu_);
      peers_.push_back(p);
      h = on_peer_;
    }
    h(p, true);
  }
  void receive(const PeerInfo& from, p2p::P2pMessage m) {
    OnMessage h;
    {
      std::lock_guard lock(mu_);
      h = on_message_;
    }
    h(from, std::move(m));
  }
  std::vector<Sent> sent() const {
    std::lock_guard lock(mu_);
    return sent_;
  }
  std::vector<Sent> sent_to(PeerId p) const {
    std::vector<Sent> out;
    for (auto& s : sent())
      if (s.peer == p) out.push_back(s);
    return out;
  }

 private:
  mutable std::mutex mu_;
  OnMessage on_message_;
  OnPeer on_peer_;
  std::vector<PeerInfo> peers_;
  std::vector<Sent> sent_;
};

PeerInfo peer(uint8_t n) {
  PeerInfo p;
  p.id = n;
  p.key = seeded_key(n).public_key();
  return p;
}

// A FaultTransport over a RecordingTransport with two peers (ids 1 and 2,
// keys of seeds 1 and 2), its io_context on one thread, and what reaches
// the driver's side.
struct Rig {
  boost::asio::io_context ioc;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{ioc.get_executor()};
  RecordingTransport inner;
  std::optional<crypto::SecretKey> me;
  FaultTransportOptions opts;
  std::unique_ptr<FaultTransport> faults;
  std::mutex mu;
  std::vector<std::pair<PeerId, p2p::P2pMessage>> received;
  std::vector<std::string> logs;
  std::thread thread;
  const PeerInfo p1 = peer(1), p2 = peer(2);

  explicit Rig(std::optional<crypto::SecretKey> key = {}, std::string plan_path = {}) : me(std::move(key)) {
    opts.plan_path = std::move(plan_path);
    opts.genesis_hash = crypto::sha256(as_bytes("fault genesis"));
    opts.validator_key = me;
    opts.log = [this](const std::string& l) {
      std::lock_guard lock(mu);
      logs.push_back(l);
    };
    faults = std::make_unique<FaultTransport>(ioc, inner, opts);
    faults->set_handlers(
        [this](const PeerInfo& p, p2p::P2pMessage m) {
          std::lock_guard lock(mu);
          received.emplace_back(p.id, std::move(m));
        },
        [](const PeerInfo&, bool) {});
    faults->start();
    thread = std::thread([this] { ioc.run(); });
    inner.connect(p1);
    inner.connect(p2);
  }
  ~Rig() {
    faults->stop();
    work.reset();
    ioc.stop();
    thread.join();
  }
  void plan(const std::string& text) {
    ParsedPlan p = parse_fault_plan(text);
    REQUIRE(p.problems.empty());
    faults->set_plan(std::move(p.plan));
  }
  size_t received_count() {
    std::lock_guard lock(mu);
    return received.size();
  }
  bool logged(const std::string& part) {
    std::lock_guard lock(mu);
    for (const auto& l : logs)
      if (l.find(part) != std::string::npos) return true;
    return false;
  }
};

p2p::P2pMessage vote_by(const crypto::SecretKey& k, const crypto::Hash32& genesis, uint64_t h) {
  return p2p::ConsensusMessage{ledger::SignedVote::make(genesis, h, 0, ledger::VoteType::prevote,
                                                        crypto::sha256(as_bytes("block")), k)};
}

}  // namespace

TEST_CASE("fault transport: with no plan, frames pass untouched both ways") {
  Rig r;
  r.faults->broadcast(status(1));
  r.faults->send(2, status(2));
  r.faults->send(std::vector<PeerId>{1, 2}, status(3));
  CHECK(r.inner.sent_to(1).size() == 2);
  CHECK(r.inner.sent_to(2).size() == 3);
  r.inner.receive(r.p1, status(4));
  CHECK(r.received_count() == 1);
  CHECK(r.faults->peers().size() == 2);
}

TEST_CASE("fault transport: a partition drops frames to and from one peer only") {
  Rig r;
  r.plan(r.p1.key.hex() + " partition\n");
  r.faults->broadcast(status(1));
  r.faults->send(1, status(2));
  CHECK(r.inner.sent_to(1).empty());
  CHECK(r.inner.sent_to(2).size() == 1);
  r.inner.receive(r.p1, status(3));
  r.inner.receive(r.p2, status(4));
  REQUIRE(r.received_count() == 1);
  CHECK(r.received[0].first == 2);
  auto st = r.faults->stats();
  CHECK(st[r.p1.key].dropped == 3);  // two out, one in
  // Healed: both ways again.
  r.plan("");
  r.faults->send(1, status(5));
  r.inner.receive(r.p1, status(6));
  CHECK(r.inner.sent_to(1).size() == 1);
  CHECK(r.received_count() == 2);
}

TEST_CASE("fault transport: drop by probability repeats under a seed; duplicate sends twice") {
  auto run = [](const std::string& plan) {
    Rig r;
    r.plan(plan);
    for (uint64_t i = 0; i < 400; ++i) r.faults->send(1, status(i));
    std::vector<uint64_t> got;
    for (auto& s : r.inner.sent_to(1)) got.push_back(std::get<p2p::StatusMessage>(s.m).height);
    return got;
  };
  const auto a = run("seed 7\n* drop=0.5\n"), b = run("seed 7\n* drop=0.5\n"), c = run("seed 8\n* drop=0.5\n");
  CHECK(a.size() > 120);  // about 200
  CHECK(a.size() < 280);
  CHECK(a == b);
  CHECK(a != c);
  CHECK(run("* drop=1\n").empty());
  const auto twice = run("* duplicate\n");
  REQUIRE(twice.size() == 800);
  CHECK(twice[0] == 0);
  CHECK(twice[1] == 0);
  CHECK(twice[799] == 399);
}

TEST_CASE("fault transport: a delay with jitter is measured, keeps order, and leaves other peers alone") {
  Rig r;
  r.plan(r.p1.key.hex() + " delay=150 jitter=20\n");
  std::vector<Clock::time_point> sent_at;
  for (uint64_t i = 0; i < 20; ++i) {
    sent_at.push_back(Clock::now());
    r.faults->broadcast(status(i));
    std::this_thread::sleep_for(5ms);
  }
  CHECK(r.inner.sent_to(2).size() == 20);  // at once
  REQUIRE(eventually([&] { return r.inner.sent_to(1).size() == 20; }, 5s));
  const auto to1 = r.inner.sent_to(1);
  for (size_t i = 0; i < to1.size(); ++i) {
    CHECK(std::get<p2p::StatusMessage>(to1[i].m).height == i);  // in order
    CHECK(to1[i].at - sent_at[i] >= 130ms);
  }
  auto st = r.faults->stats()[r.p1.key];
  CHECK(st.delayed == 20);
  CHECK(st.delay_min_ms >= 130);
  CHECK(st.delay_sum_ms / st.delayed < 400);
  CHECK(r.faults->stats()[r.p2.key].delayed == 0);
}

TEST_CASE("fault transport: equivocate sends one conflicting twin per own vote, and drops its echo") {
  const crypto::SecretKey me = seeded_key(9);
  Rig r(me);
  r.plan(r.p1.key.hex() + " equivocate\n");
  const auto vote = vote_by(me, r.opts.genesis_hash, 5);
  r.faults->broadcast(vote);
  r.faults->broadcast(vote);  // re-gossip: no second twin
  r.faults->broadcast(vote_by(seeded_key(3), r.opts.genesis_hash, 5));  // not ours: no twin
  const auto to1 = r.inner.sent_to(1);
  REQUIRE(to1.size() == 4);
  CHECK(r.inner.sent_to(2).size() == 3);
  const auto& original = std::get<ledger::SignedVote>(std::get<p2p::ConsensusMessage>(vote).msg);
  const auto& twin = std::get<ledger::SignedVote>(std::get<p2p::ConsensusMessage>(to1[1].m).msg);
  CHECK(twin.validator == me.public_key());
  CHECK(twin.height == original.height);
  CHECK(twin.round == original.round);
  CHECK(twin.type == original.type);
  CHECK(twin.block_hash != original.block_hash);
  CHECK(twin.verify(r.opts.genesis_hash));
  CHECK(r.faults->stats()[r.p1.key].twins == 1);
  // Peers relay it back: it does not reach this node's engine.
  r.inner.receive(r.p2, to1[1].m);
  r.inner.receive(r.p2, vote_by(seeded_key(3), r.opts.genesis_hash, 6));
  CHECK(r.received_count() == 1);
}

TEST_CASE("fault transport: an observer has nothing to equivocate with") {
  Rig r;
  r.plan("* equivocate\n");
  r.faults->broadcast(vote_by(seeded_key(9), r.opts.genesis_hash, 5));
  CHECK(r.inner.sent().size() == 2);
  CHECK(r.logged("not a validator"));
}

TEST_CASE("fault transport: the plan file is re-read when replaced; bad lines are logged by number") {
  TempDir dir("nl-fault-plan");
  const std::string path = dir / "plan";
  auto write = [&](const std::string& text) {
    std::ofstream(path + ".tmp") << text;
    std::filesystem::rename(path + ".tmp", path);
  };
  Rig r({}, path);
  CHECK(eventually([&] { return r.logged("cannot read"); }, 2s));  // no file yet: no faults
  write("* partition\n* delay=99999\n");
  REQUIRE(eventually([&] { return r.logged(path + ": * partition"); }, 2s));
  CHECK(r.logged(path + ": line 2: delay 99999 is over 60000; line ignored"));
  r.faults->send(1, status(1));
  CHECK(r.inner.sent().empty());
  write("# healed\n");
  REQUIRE(eventually([&] { return r.logged(path + ": * none"); }, 2s));
  r.faults->send(1, status(2));
  CHECK(r.inner.sent().size() == 1);
}

TEST_CASE("fault transport over a real network: a partition drops frames both ways, the connection stays") {
  Loop loop;
  TestNode a(loop, 1), b(loop, 2);
  a.start({b.address()});
  b.start();
  REQUIRE(a.wait_peers(1));
  std::mutex mu;
  std::vector<uint64_t> heard;  // what reaches a's driver side
  FaultTransport faults(loop.ioc, a.net(), {});
  faults.set_handlers(
      [&](const PeerInfo&, p2p::P2pMessage m) {
        std::lock_guard lock(mu);
        if (auto* s = std::get_if<p2p::StatusMessage>(&m)) heard.push_back(s->height);
      },
      [](const PeerInfo&, bool) {});
  auto heard_now = [&] {
    std::lock_guard lock(mu);
    return heard;
  };
  faults.set_plan(parse_fault_plan(b.key().public_key().hex() + " partition\n").plan);
  faults.broadcast(status(1));
  b.net().broadcast(status(2));
  std::this_thread::sleep_for(300ms);
  CHECK(b.statuses().empty());
  CHECK(heard_now().empty());
  CHECK(a.net().peer_count() == 1);
  CHECK(b.net().peer_count() == 1);
  faults.set_plan({});
  faults.broadcast(status(3));
  b.net().broadcast(status(4));
  CHECK(eventually([&] { return b.statuses() == std::vector<uint64_t>{3} && heard_now() == std::vector<uint64_t>{4}; }));
}
