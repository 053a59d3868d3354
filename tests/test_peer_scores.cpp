// Misbehaviour points, timed bans and the redial backoff: pure, with the
// time passed in.
#include <doctest/doctest.h>

#include <set>

#include "node/p2p/peer_scores.h"
#include "node/p2p/redial_backoff.h"
#include "support/fixtures.h"

using namespace nl;
using namespace nl::node;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST_CASE("points add up per key and per IP apart; at the ban score that one is banned for ban_time") {
  PeerScores s(100, 60s);
  const auto t0 = Clock::now();
  const auto k = test::seeded_key(1).public_key();
  CHECK(!s.add_key(k, 25, t0).banned);
  CHECK(!s.add_key(k, 25, t0).banned);
  CHECK(!s.add_ip("10.0.0.1", 25, t0).banned);
  CHECK(s.ip_score("10.0.0.1", t0) == 25);
  CHECK(s.key_score(k, t0) == 50);
  CHECK(!s.add_key(k, 25, t0).banned);
  auto v = s.add_key(k, 25, t0);
  CHECK(v.banned);
  CHECK(v.until == t0 + 60s);
  CHECK(s.key_banned(k, t0 + 59s));
  CHECK(!s.key_banned(k, t0 + 60s));
  // A key's ban is not its address's: the honest nodes behind it stay welcome.
  CHECK(!s.ip_banned("10.0.0.1", t0));
  CHECK(!s.key_banned(test::seeded_key(2).public_key(), t0));
  // Points start over after a ban.
  CHECK(s.key_score(k, t0) == 0);
}

TEST_CASE("an address is banned by its own points only") {
  PeerScores s(100, 60s);
  const auto t0 = Clock::now();
  CHECK(!s.add_ip("10.0.0.1", 50, t0).banned);
  CHECK(s.add_ip("10.0.0.1", 50, t0).banned);
  CHECK(s.ip_banned("10.0.0.1", t0 + 59s));
  CHECK(!s.ip_banned("10.0.0.1", t0 + 60s));
  CHECK(!s.ip_banned("10.0.0.2", t0));
}

TEST_CASE("points are forgotten after ban_time without a further offence") {
  PeerScores s(100, 10s);
  const auto t0 = Clock::now();
  s.add_ip("ip", 90, t0);
  CHECK(s.ip_score("ip", t0 + 9s) == 90);
  CHECK(s.ip_score("ip", t0 + 10s) == 0);
  // An offence within the window keeps every point alive.
  CHECK(!s.add_ip("ip", 5, t0 + 9s).banned);
  CHECK(s.ip_score("ip", t0 + 18s) == 95);
  CHECK(s.add_ip("ip", 5, t0 + 18s).banned);
  // After a quiet window it starts from nothing.
  s.add_ip("other", 90, t0);
  CHECK(!s.add_ip("other", 90, t0 + 10s).banned);
}

TEST_CASE("negative points are ignored") {
  PeerScores s(100, 10s);
  const auto t0 = Clock::now();
  s.add_ip("ip", 50, t0);
  s.add_ip("ip", -500, t0);
  CHECK(s.ip_score("ip", t0) == 50);
}

TEST_CASE("the tables stay bounded and keep live bans") {
  PeerScores s(100, 60s, 64);
  const auto t0 = Clock::now();
  s.add_ip("banned", 100, t0);
  for (int i = 0; i < 10000; ++i) s.add_ip("10.1." + std::to_string(i / 256) + "." + std::to_string(i % 256), 10, t0);
  CHECK(s.ip_entries() <= 64);
  CHECK(s.ip_banned("banned", t0 + 1s));
  for (int i = 0; i < 1000; ++i) {
    std::array<uint8_t, 32> seed{};
    seed[0] = uint8_t(i);
    seed[1] = uint8_t(i >> 8);
    s.add_key(crypto::SecretKey::from_seed(seed).public_key(), 1, t0);
  }
  CHECK(s.key_entries() <= 64);
}

TEST_CASE("backoff: doubles from min with jitter in [d/2, d], never under min, capped at max") {
  RedialBackoff b(200ms, 10000ms, 10000ms, 7);
  int64_t cap = 200;
  for (int i = 0; i < 20; ++i) {
    const auto d = b.next();
    CHECK(d >= 200ms);
    CHECK(d.count() >= cap / 2);
    CHECK(d.count() <= cap);
    cap = std::min<int64_t>(cap * 2, 10000);
  }
  CHECK(b.next() >= 5000ms);  // at the cap: between max/2 and max
}

TEST_CASE("backoff: a connection that lasted resets it, a short one does not") {
  RedialBackoff b(100ms, 5000ms, 2000ms, 1);
  for (int i = 0; i < 6; ++i) (void)b.next();
  CHECK(b.attempts() == 6);
  b.connection_ended(500ms);
  CHECK(b.attempts() == 6);
  CHECK(b.next() >= 2500ms);
  b.connection_ended(3s);
  CHECK(b.attempts() == 0);
  CHECK(b.next() <= 100ms);
}

TEST_CASE("backoff: jitter depends on the seed and is reproducible") {
  auto run = [](uint64_t seed) {
    RedialBackoff b(200ms, 10000ms, 10000ms, seed);
    std::vector<int64_t> out;
    for (int i = 0; i < 10; ++i) out.push_back(b.next().count());
    return out;
  };
  CHECK(run(1) == run(1));
  CHECK(run(1) != run(2));
}
