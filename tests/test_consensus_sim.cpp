// The consensus engine under the deterministic simulator (consensus/sim):
// many seeded runs with drops, partitions, crashes and Byzantine validators
// must be safe and live; a Byzantine majority must be caught breaking
// safety; runs replay exactly; validator-set changes are followed; double
// voting leaves evidence; and the numledger sim consensus command works.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <set>
#include <sstream>
#include <string>

#include "consensus/sim/safety_checker.h"
#include "consensus/sim/sim_value.h"
#include "consensus/sim/simulation.h"
#include "crypto/ed25519.h"
#include "support/process.h"

using namespace nl;
using namespace nl::consensus;
using namespace nl::consensus::sim;

namespace {

SimResult run_ok(const SimConfig& cfg) {
  crypto::init();
  auto r = run_simulation(cfg);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error()));
  return *r;
}

struct BatchTotals {
  uint64_t runs = 0, crashes = 0, wal_crashes = 0, partitions = 0, evidence = 0;
};

// Seeds [first, first + count) of N validators, F Byzantine (mixed
// behaviours), H heights; each seed picks its own mix of faults. Every run
// must be safe and decide every height once healed.
BatchTotals safe_batch(size_t n, size_t f, uint64_t first, uint64_t count, uint64_t heights) {
  crypto::init();
  BatchTotals t;
  for (uint64_t seed = first; seed < first + count; ++seed) {
    SimConfig cfg;
    cfg.validators = n;
    cfg.byzantine = f;
    cfg.heights = heights;
    cfg.seed = seed;
    cfg.attack = Attack::mixed;
    cfg.drop = seed % 3 == 0 ? 0.0 : seed % 3 == 1 ? 0.05 : 0.2;
    cfg.partition = seed % 4 == 1 || seed % 4 == 2;
    cfg.crash = seed % 4 == 2 || seed % 4 == 3;
    REQUIRE(validate(cfg));
    Simulation sim(cfg);
    sim.run();
    const SimResult r = sim.result();
    INFO("seed=" << seed << " N=" << n << " F=" << f << " drop=" << cfg.drop << " partition=" << cfg.partition
                 << " crash=" << cfg.crash << ": " << r.first_problem << "\n"
                 << sim.describe());
    CHECK(r.safety_violations == 0);
    CHECK(r.double_signs == 0);
    CHECK(r.invalid_decisions == 0);
    CHECK(r.bad_certificates == 0);
    CHECK(r.bad_evidence == 0);
    CHECK(r.heights_decided == heights);
    CHECK(r.all_decided);
    ++t.runs;
    t.crashes += r.crashes;
    t.wal_crashes += r.crashes_at_wal_append;
    t.partitions += r.partitions;
    t.evidence += r.evidence_found;
  }
  // The faults were really there (a fault planned after a run ends never happens).
  MESSAGE("N=" << n << " F=" << f << ": " << t.runs << " runs, " << t.partitions << " partitions, " << t.crashes
                << " crashes (" << t.wal_crashes << " between a WAL append and its send), " << t.evidence
                << " pieces of evidence");
  CHECK(t.crashes > 0);
  CHECK(t.wal_crashes > 0);
  CHECK(t.partitions > 0);
  return t;
}

constexpr uint64_t kHeights = 4;

}  // namespace

TEST_CASE("sim: N=4, no Byzantine validator, with drops, partitions and crashes") {
  safe_batch(4, 0, 1, 150, kHeights);
}

TEST_CASE("sim: N=4, one Byzantine validator") {
  safe_batch(4, 1, 1001, 250, kHeights);
}

TEST_CASE("sim: N=7, no Byzantine validator") {
  safe_batch(7, 0, 2001, 150, kHeights);
}

TEST_CASE("sim: N=7, one Byzantine validator") {
  safe_batch(7, 1, 3001, 200, kHeights);
}

TEST_CASE("sim: N=7, two Byzantine validators") {
  safe_batch(7, 2, 4001, 250, kHeights);
}

TEST_CASE("sim: a Byzantine third or more splits the honest validators, and the checker says so") {
  // With F > N/3 every honest group plus the colluders holds more than two
  // thirds, so a correct engine can be driven to decide two values: the
  // checker must report it.
  for (auto [n, f] : {std::pair<size_t, size_t>{4, 2}, {7, 3}}) {
    uint64_t unsafe_runs = 0;
    for (uint64_t seed = 1; seed <= 10; ++seed) {
      SimConfig cfg;
      cfg.validators = n;
      cfg.byzantine = f;
      cfg.heights = kHeights;
      cfg.seed = seed;
      REQUIRE(uses_split_attack(cfg));
      SimResult r = run_ok(cfg);
      INFO("seed=" << seed << " N=" << n << " F=" << f);
      if (r.safety_violations > 0) {
        ++unsafe_runs;
        CHECK(!r.safe());
        CHECK(r.first_problem.find("decided") != std::string::npos);
      }
      CHECK(r.double_signs == 0);  // the honest nodes still never equivocate
    }
    CHECK(unsafe_runs > 0);
  }
}

// issue 20, item 5: with a quorum of q = floor(2N/3) + 1, the two honest
// groups of the split attack each reach q with the colluders only when
// F >= 2q - N, which is above N/3 for N = 5 and 8. Exactly at that boundary
// the attack succeeds; one below, it never does.
TEST_CASE("sim: the split attack breaks safety from F = 2q - N and never below it") {
  for (size_t n : {5, 6, 8}) {
    const size_t q = 2 * n / 3 + 1, boundary = 2 * q - n;
    for (size_t f : {boundary - 1, boundary}) {
      uint64_t unsafe_runs = 0;
      for (uint64_t seed = 1; seed <= 8; ++seed) {
        SimConfig cfg;
        cfg.validators = n;
        cfg.byzantine = f;
        cfg.heights = kHeights;
        cfg.seed = seed;
        cfg.attack = Attack::split;
        SimResult r = run_ok(cfg);
        unsafe_runs += r.safety_violations > 0;
        CHECK(r.double_signs == 0);
      }
      INFO("N=" << n << " F=" << f << " (boundary " << boundary << ")");
      if (f < boundary)
        CHECK(unsafe_runs == 0);
      else
        CHECK(unsafe_runs > 0);
    }
  }
}

TEST_CASE("sim: a seed replays exactly") {
  SimConfig cfg;
  cfg.validators = 7;
  cfg.byzantine = 2;
  cfg.heights = kHeights;
  cfg.attack = Attack::mixed;
  cfg.drop = 0.1;
  cfg.partition = true;
  cfg.crash = true;
  cfg.seed = 4242;
  crypto::init();
  auto once = [&] {
    Simulation sim(cfg);
    sim.run();
    std::vector<std::map<uint64_t, Decision>> decisions;
    for (size_t i = 0; i < sim.nodes(); ++i)
      decisions.push_back(sim.decisions(i) ? *sim.decisions(i) : std::map<uint64_t, Decision>{});
    return std::pair{sim.result(), decisions};
  };
  auto [a, da] = once();
  auto [b, db] = once();
  CHECK(a.messages == b.messages);
  CHECK(a.status_messages == b.status_messages);
  CHECK(a.sim_time_ms == b.sim_time_ms);
  CHECK(a.heights_decided == b.heights_decided);
  CHECK(a.mean_rounds_per_height == b.mean_rounds_per_height);
  CHECK(a.evidence_found == b.evidence_found);
  CHECK(a.crashes == b.crashes);
  CHECK(a.verifications == b.verifications);
  CHECK(da == db);
  CHECK(a.all_decided);

  cfg.seed = 4243;
  auto [c, dc] = once();
  CHECK(dc != da);  // another seed, another run
}

TEST_CASE("sim: a validator-set change mid-run is followed by every honest node") {
  // From height 3: node 3 leaves, node 4 (a follower until then) joins and
  // node 1 votes with power 2.
  bool joined_signed = false;
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    SimConfig cfg;
    cfg.validators = 4;
    cfg.heights = 6;
    cfg.seed = seed;
    cfg.drop = seed % 2 ? 0.05 : 0.0;
    cfg.crash = seed % 3 == 0;
    cfg.change = ValidatorChange{3, {1, 2, 1, 0, 1}};
    crypto::init();
    REQUIRE(validate(cfg));
    Simulation sim(cfg);
    sim.run();
    SimResult r = sim.result();
    INFO("seed=" << seed << ": " << r.first_problem << "\n" << sim.describe());
    CHECK(r.safe());
    CHECK(r.all_decided);
    REQUIRE(sim.nodes() == 5);
    CHECK(sim.sets().at(2).validators.size() == 4);
    CHECK(sim.sets().at(3).validators.size() == 4);
    CHECK(sim.sets().at(3).total_power() == 5);
    for (size_t i = 0; i < sim.nodes(); ++i) {
      // Every node, the leaving and the joining one included, decided every height.
      REQUIRE(sim.decisions(i));
      CHECK(sim.decisions(i)->size() == cfg.heights);
      for (const auto& [h, d] : *sim.decisions(i)) {
        std::set<crypto::PublicKey> signers;
        for (const auto& v : d.cert.votes) signers.insert(v.validator);
        // Certificates are signed by the set of their height only.
        CHECK(sim.sets().at(h).verify_commit(sim_genesis_hash(), d.cert));
        if (h < 3) CHECK(!signers.contains(sim.key(4)));
        if (h >= 3) CHECK(!signers.contains(sim.key(3)));
        if (h >= 3 && signers.contains(sim.key(4))) joined_signed = true;
      }
    }
  }
  CHECK(joined_signed);  // the new validator really votes
}

TEST_CASE("sim: double-voting Byzantine validators leave evidence") {
  uint64_t evidence = 0;
  for (auto [n, f] : {std::pair<size_t, size_t>{4, 1}, {7, 2}}) {
    for (uint64_t seed = 1; seed <= 6; ++seed) {
      SimConfig cfg;
      cfg.validators = n;
      cfg.byzantine = f;
      cfg.heights = kHeights;
      cfg.seed = seed;
      cfg.attack = Attack::mixed;
      cfg.behaviours = {Behaviour::double_vote};
      SimResult r = run_ok(cfg);
      INFO("seed=" << seed << " N=" << n << " F=" << f << ": " << r.first_problem);
      CHECK(r.safe());
      CHECK(r.bad_evidence == 0);  // every piece checks and names a Byzantine validator
      CHECK(r.all_decided);
      evidence += r.evidence_found;
    }
  }
  CHECK(evidence > 0);
  MESSAGE("evidence found over 12 runs: " << evidence);
}

TEST_CASE("sim: the application's value rule") {
  const SimValue v = make_value(3, 1, 2, 0xabcdef);
  CHECK(value_is_valid(3, v.id, v.bytes));
  CHECK(!value_is_valid(4, v.id, v.bytes));              // proposed at another height
  CHECK(!value_is_valid(3, crypto::Hash32{}, v.bytes));  // id is not the hash
  Bytes longer = v.bytes;
  longer.push_back('x');
  CHECK(!value_is_valid(3, value_id(longer), longer));
  for (auto kind : {InvalidKind::marked_bad, InvalidKind::wrong_height, InvalidKind::wrong_id, InvalidKind::garbage}) {
    const SimValue bad = make_invalid_value(kind, 3, 1, 2, 7);
    CHECK(!value_is_valid(3, bad.id, bad.bytes));
  }
  CHECK(!value_is_valid(3, value_id(Bytes{}), Bytes{}));
}

TEST_CASE("sim: the safety checker reports each kind of failure") {
  crypto::init();
  std::vector<crypto::SecretKey> keys;
  for (uint8_t i = 0; i < 4; ++i) {
    std::array<uint8_t, 32> seed;
    seed.fill(static_cast<uint8_t>(200 + i));
    keys.push_back(crypto::SecretKey::from_seed(seed));
  }
  std::vector<crypto::PublicKey> pubs;
  for (const auto& k : keys) pubs.push_back(k.public_key());
  ValidatorSchedule sets(pubs, 4, std::nullopt);
  const crypto::Hash32 chain = sim_genesis_hash();
  auto decision = [&](const SimValue& v, size_t signers) {
    Decision d{1, v.id, v.bytes, {1, 0, v.id, {}}};
    for (size_t i = 0; i < signers; ++i)
      d.cert.votes.push_back(
          {keys[i].public_key(),
           keys[i].sign(ledger::vote_sign_bytes(chain, 1, 0, ledger::VoteType::precommit, v.id))});
    std::sort(d.cert.votes.begin(), d.cert.votes.end());
    return d;
  };
  const SimValue a = make_value(1, 0, 0, 1), b = make_value(1, 0, 1, 2);
  std::map<uint64_t, Decision> d_a{{1, decision(a, 3)}}, d_b{{1, decision(b, 3)}}, weak{{1, decision(a, 2)}};
  std::vector<ledger::Evidence> none;

  SUBCASE("agreement") {
    SafetyChecker c(chain, sets);
    SimResult r;
    c.check({{0, pubs[0], &d_a, &none, 0}, {1, pubs[1], &d_a, &none, 0}}, 1, r);
    CHECK(r.safe());
    CHECK(r.heights_decided == 1);
    SimResult bad;
    c.check({{0, pubs[0], &d_a, &none, 0}, {1, pubs[1], &d_b, &none, 0}}, 1, bad);
    CHECK(bad.safety_violations == 1);
    CHECK(bad.first_problem.find("height 1") != std::string::npos);
  }
  SUBCASE("a certificate short of two thirds") {
    SafetyChecker c(chain, sets);
    SimResult r;
    c.check({{0, pubs[0], &weak, &none, 0}}, 1, r);
    CHECK(r.bad_certificates == 1);
    CHECK(!r.safe());
  }
  SUBCASE("an invalid decided value") {
    const SimValue junk = make_invalid_value(InvalidKind::marked_bad, 1, 0, 0, 3);
    std::map<uint64_t, Decision> d{{1, decision(junk, 3)}};
    SafetyChecker c(chain, sets);
    SimResult r;
    c.check({{0, pubs[0], &d, &none, 0}}, 1, r);
    CHECK(r.invalid_decisions == 1);
  }
  SUBCASE("an honest validator signing twice") {
    SafetyChecker c(chain, sets);
    auto vote = [&](const crypto::Hash32& id) {
      return Message(ledger::SignedVote::make(chain, 1, 0, ledger::VoteType::prevote, id, keys[0]));
    };
    c.record_signed(0, vote(a.id));
    c.record_signed(0, vote(a.id));  // re-sent: the same signature
    CHECK(c.double_signs() == 0);
    c.record_signed(0, vote(b.id));
    CHECK(c.double_signs() == 1);
    SimResult r;
    c.check({}, 1, r);
    CHECK(r.double_signs == 1);
    CHECK(r.first_problem.find("signed two prevotes") != std::string::npos);
  }
  SUBCASE("evidence against an honest validator") {
    auto e = ledger::VoteEvidence::make(ledger::SignedVote::make(chain, 1, 0, ledger::VoteType::prevote, a.id, keys[1]),
                                        ledger::SignedVote::make(chain, 1, 0, ledger::VoteType::prevote, b.id, keys[1]));
    REQUIRE(e);
    std::vector<ledger::Evidence> ev{*e};
    SafetyChecker c(chain, sets);
    SimResult r;
    c.check({{0, pubs[0], &d_a, &ev, 0}, {1, pubs[1], &d_a, &none, 0}}, 1, r);
    CHECK(r.evidence_found == 1);
    CHECK(r.bad_evidence == 1);
  }
}

TEST_CASE("sim: configs the simulator cannot run are refused with a reason") {
  SimConfig cfg;
  cfg.validators = 0;
  CHECK(!validate(cfg));
  cfg.validators = 4;
  cfg.byzantine = 5;
  CHECK(validate(cfg).error().find("5 Byzantine") != std::string::npos);
  cfg.byzantine = 1;
  cfg.drop = 1.0;
  CHECK(!validate(cfg));
  cfg.drop = 0;
  cfg.change = ValidatorChange{3, {1, 1}};
  CHECK(!validate(cfg));
  cfg.change = ValidatorChange{3, {0, 0, 0, 0}};
  CHECK(!validate(cfg));
  cfg.change.reset();
  CHECK(validate(cfg));
  cfg.validators = 2;
  cfg.byzantine = 3;
  CHECK(!run_simulation(cfg));
}

namespace {

test::RunResult numledger(std::vector<std::string> args) {
  args.insert(args.begin(), NL_BIN_DIR "/numledger");
  return test::run(args);
}

size_t lines_starting(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  size_t n = 0;
  for (std::string line; std::getline(in, line);) n += line.rfind(prefix, 0) == 0;
  return n;
}

}  // namespace

TEST_CASE("sim: numledger sim consensus") {
  auto ok = numledger({"sim", "consensus", "--validators", "4", "--byzantine", "1", "--seeds", "3", "--heights",
                       "3", "--drop", "0.05", "--crash", "--seed-start", "10"});
  INFO(ok.out << ok.err);
  CHECK(ok.code == 0);
  CHECK(lines_starting(ok.out, "seed=") == 3);
  CHECK(lines_starting(ok.out, "seed=10 N=4 F=1 violations=0 double_signs=0 heights=3/3 ") == 1);
  CHECK(lines_starting(ok.out, "total runs=3 unsafe_runs=0 violations=0 double_signs=0") == 1);

  // A Byzantine half splits the honest ones: safety is lost and said so.
  auto split = numledger({"sim", "consensus", "--validators", "4", "--byzantine", "2", "--seeds", "4", "--heights", "4"});
  INFO(split.out << split.err);
  CHECK(split.code == 1);
  CHECK(lines_starting(split.out, "seed=") == 4);
  CHECK(split.err.find("decided") != std::string::npos);

  CHECK(numledger({"sim", "--help"}).code == 0);
  auto help = numledger({"sim", "consensus", "--help"});
  CHECK(help.code == 0);
  CHECK(help.out.find("--validators") != std::string::npos);

  for (const auto& bad : std::vector<std::vector<std::string>>{
           {"sim"},
           {"sim", "consensus", "--validators", "0"},
           {"sim", "consensus", "--validators", "4", "--byzantine", "5"},
           {"sim", "consensus", "--drop", "1"},
           {"sim", "consensus", "--drop", "-0.1"},
           {"sim", "consensus", "--drop", "lots"},
           {"sim", "consensus", "--seeds", "0"},
           {"sim", "consensus", "--heights", "0"},
           {"sim", "consensus", "--attack", "sideways"},
           {"sim", "consensus", "--validators", "four"},
       }) {
    auto r = numledger(bad);
    INFO(bad.back() << ": " << r.out << r.err);
    CHECK(r.code == 2);
    CHECK(!r.err.empty());
  }
  auto why = numledger({"sim", "consensus", "--validators", "4", "--byzantine", "5"});
  CHECK(why.err.find("--byzantine 5 is more than --validators 4") != std::string::npos);
}
