// The fault plan's line format (node/transport/fault_plan.h): good lines, bad lines
// reported by number and left out whole, and the limits.
#include <doctest/doctest.h>

#include "node/transport/fault_plan.h"
#include "support/fixtures.h"

using namespace nl;
using namespace nl::node;

namespace {
crypto::PublicKey pk(uint8_t seed) { return test::seeded_key(seed).public_key(); }
}  // namespace

TEST_CASE("fault plan: every setting, comments, blank lines, a default and peers of their own") {
  const std::string text = "# a plan\n"
                           "\n"
                           "seed 42\n"
                           "*  delay=150 jitter=20   # every other peer\n"
                           "\t" + pk(1).hex() + "\tpartition\r\n" +
                           pk(2).hex() + " drop=0.25 duplicate equivocate\n" +
                           pk(2).hex() + " drop=0.5\n";  // adds up, the later value wins
  ParsedPlan p = parse_fault_plan(text);
  CHECK(p.problems.empty());
  CHECK(p.plan.seed == 42u);
  CHECK(p.plan.all == LinkFaults{.delay_ms = 150, .jitter_ms = 20});
  CHECK(p.plan.for_peer(pk(1)) == LinkFaults{.partition = true});  // not the default's delay
  CHECK(p.plan.for_peer(pk(2)) == LinkFaults{.drop = 0.5, .duplicate = true, .equivocate = true});
  CHECK(p.plan.for_peer(pk(3)) == p.plan.all);
  CHECK_FALSE(p.plan.empty());
  CHECK(describe(p.plan.all) == "delay=150 jitter=20");
  CHECK(describe(p.plan).find(pk(1).hex().substr(0, 12) + ": partition") != std::string::npos);
}

TEST_CASE("fault plan: an empty or comment-only file is no faults") {
  for (const char* text : {"", "\n\n", "# nothing\n", "* \n"}) {
    ParsedPlan p = parse_fault_plan(text);
    CHECK(p.plan.empty());
    CHECK(p.plan.seed == std::nullopt);
  }
  // A line that sets nothing is reported.
  CHECK(parse_fault_plan("* \n").problems.size() == 1);
  CHECK(parse_fault_plan("* drop=0 delay=0\n").plan.empty());
}

TEST_CASE("fault plan: a bad line is named by its number and left out whole; the rest applies") {
  const std::string text = "* delay=100\n"                         // 1 good
                           "* delay=100 jitter=5 bogus\n"          // 2 unknown word: none of it applies
                           "0123 partition\n"                       // 3 not a key
                           + std::string(64, 'z') + " partition\n"  // 4 not hex
                           "* drop=1.5\n"                           // 5 out of range
                           "* drop=half\n"                          // 6 not a number
                           "* delay=-3\n"                           // 7 not a whole number
                           "* delay=60001\n"                        // 8 over the limit
                           "seed\n"                                 // 9 no number
                           + pk(1).hex() + "\n"                     // 10 no setting
                           "* duplicate\n";                         // 11 good
  ParsedPlan p = parse_fault_plan(text);
  std::vector<size_t> lines;
  for (const auto& problem : p.problems) lines.push_back(problem.line);
  CHECK(lines == std::vector<size_t>{2, 3, 4, 5, 6, 7, 8, 9, 10});
  CHECK(p.problems[0].reason.find("bogus") != std::string::npos);
  CHECK(p.problems[3].reason.find("between 0 and 1") != std::string::npos);
  CHECK(p.problems[6].reason.find("over 60000") != std::string::npos);
  CHECK(p.plan.all == LinkFaults{.delay_ms = 100, .duplicate = true});
  CHECK(p.plan.peers.empty());
}

TEST_CASE("fault plan: the limits are inclusive") {
  ParsedPlan p = parse_fault_plan("* delay=60000 jitter=60000 drop=1\n" + pk(1).hex() + " drop=0\n");
  CHECK(p.problems.empty());
  CHECK(p.plan.all.delay_ms == kMaxDelayMs);
  CHECK(p.plan.all.jitter_ms == kMaxDelayMs);
  CHECK(p.plan.all.drop == 1.0);
  CHECK(parse_fault_plan("* jitter=60001\n").problems.size() == 1);
  CHECK(parse_fault_plan("* drop=-0.1\n").problems.size() == 1);
  CHECK(parse_fault_plan("* drop=nan\n").problems.size() == 1);
  CHECK(parse_fault_plan("seed 18446744073709551615\n").plan.seed == UINT64_MAX);
  CHECK(parse_fault_plan("seed 18446744073709551616\n").problems.size() == 1);
}
