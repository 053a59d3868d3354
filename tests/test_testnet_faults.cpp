// Faults on a real 4-validator testnet through numledgerd --fault-plan
// (node/transport/fault_plan.h), changed while the nodes run:
// - one link delayed 150 ms +- 20 both ways: the chain commits and agrees,
//   and the nodes' fault reports show the delays they measured on that
//   link and none on the others; then every link delayed: a transaction's
//   submit-to-commit takes at least three delayed hops (proposal, prevote,
//   precommit);
// - every link dropping 10% and duplicating the rest: transactions commit
//   and every node agrees on every block.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "support/testnet.h"

using namespace nl;
using namespace nl::test;
using namespace std::chrono_literals;

namespace {

// The last fault report of `from` about its link to `to`:
// "numledgerd: fault plan: to <key>: N frames, D dropped, U duplicated, T twins, K delayed [A-B ms (mean M)]".
struct LinkReport {
  unsigned long frames = 0, dropped = 0, duplicated = 0, twins = 0, delayed = 0;
  unsigned long min_ms = 0, max_ms = 0, mean_ms = 0;
};

std::optional<LinkReport> last_report(const TestnetHarness& net, const std::string& from, const std::string& to) {
  const std::string marker = "numledgerd: fault plan: to " + net.node_key(to).substr(0, 16) + ": ";
  std::istringstream log(net.log(from));
  std::optional<LinkReport> out;
  for (std::string line; std::getline(log, line);) {
    const size_t at = line.find(marker);
    if (at == std::string::npos) continue;
    LinkReport r;
    const char* rest = line.c_str() + at + marker.size();
    const int n = std::sscanf(rest, "%lu frames, %lu dropped, %lu duplicated, %lu twins, %lu delayed %lu-%lu ms (mean %lu)",
                              &r.frames, &r.dropped, &r.duplicated, &r.twins, &r.delayed, &r.min_ms, &r.max_ms,
                              &r.mean_ms);
    if (n >= 5) out = r;
  }
  return out;
}

// Waits for a report of `from` on `to` that satisfies `ok` (reports come every 5 s).
std::optional<LinkReport> wait_report(const TestnetHarness& net, const std::string& from, const std::string& to,
                                      const std::function<bool(const LinkReport&)>& ok) {
  for (int i = 0; i < 120; ++i) {
    auto r = last_report(net, from, to);
    if (r && ok(*r)) return r;
    std::this_thread::sleep_for(100ms);
  }
  return last_report(net, from, to);
}

std::string delay_line(const TestnetHarness& net, const std::string& peer) {
  return net.node_key(peer) + " delay=150 jitter=20\n";
}

}  // namespace

TEST_CASE("a delayed link (150 ms +- 20): commits and agreement go on, and the delay is measured") {
  TestnetHarness net;
  net.enable_faults();
  net.set_plan("validator0", delay_line(net, "validator1"));
  net.set_plan("validator1", delay_line(net, "validator0"));
  net.start();
  const auto all = net.validators();
  REQUIRE_MESSAGE(net.wait_height(all, 2, 30s), net.heights() << net.logs_tail());

  auto submit_timed = [&](const std::string& node) {
    const auto t0 = std::chrono::steady_clock::now();
    std::string id = net.commit_delegation(node);
    const auto took = std::chrono::steady_clock::now() - t0;
    return std::make_pair(id, std::chrono::duration_cast<std::chrono::milliseconds>(took));
  };
  std::vector<std::string> ids;
  std::chrono::milliseconds fastest_before = 1h;
  for (const auto& n : all) {
    auto [id, took] = submit_timed(n);
    ids.push_back(id);
    fastest_before = std::min(fastest_before, took);
  }
  for (const auto& id : ids) net.require_committed(all, id);

  // The delayed link reports delays no shorter than 130 ms; the others none.
  for (auto [from, to] : {std::pair{"validator0", "validator1"}, std::pair{"validator1", "validator0"}}) {
    auto r = wait_report(net, from, to, [](const LinkReport& r) { return r.delayed >= 20; });
    REQUIRE_MESSAGE(r.has_value(), from << " reported nothing on its link to " << to << net.logs_tail({from}));
    CHECK_MESSAGE(r->delayed >= 20, from << "->" << to << ": " << r->delayed << " frames delayed");
    CHECK_MESSAGE(r->min_ms >= 130, from << "->" << to << ": shortest delay " << r->min_ms << " ms");
    CHECK_MESSAGE(r->mean_ms >= 140, from << "->" << to << ": mean delay " << r->mean_ms << " ms");
    CHECK_MESSAGE(r->mean_ms <= 400, from << "->" << to << ": mean delay " << r->mean_ms << " ms");
  }
  auto other = wait_report(net, "validator0", "validator2", [](const LinkReport& r) { return r.frames > 0; });
  REQUIRE(other.has_value());
  CHECK(other->delayed == 0);
  CHECK(other->dropped == 0);

  // Every link delayed: a commit needs the proposal, then prevotes, then
  // precommits, each of which crossed at least one delayed link.
  for (const auto& n : all) {
    std::string plan;
    for (const auto& peer : all)
      if (peer != n) plan += delay_line(net, peer);
    net.set_plan(n, plan);
  }
  std::this_thread::sleep_for(500ms);  // read within 100 ms
  std::chrono::milliseconds fastest_after = 1h;
  for (const auto& n : all) {
    auto [id, took] = submit_timed(n);
    ids.push_back(id);
    fastest_after = std::min(fastest_after, took);
  }
  MESSAGE("fastest submit-to-commit: " << fastest_before.count() << " ms with one delayed link, "
                                       << fastest_after.count() << " ms with every link delayed");
  CHECK(fastest_after >= 390ms);

  const uint64_t top = net.common_height(all, 20s);
  for (const auto& id : ids) net.require_committed(all, id);
  net.require_agreement(all, top);
}

TEST_CASE("every link drops 10% and duplicates the rest: transactions commit and all nodes agree") {
  TestnetHarness net;
  net.enable_faults();
  for (const auto& n : net.validators()) net.set_plan(n, "* drop=0.1 duplicate\n");
  net.start();
  const auto all = net.validators();
  REQUIRE_MESSAGE(net.wait_height(all, 2, 30s), net.heights() << net.logs_tail());
  std::vector<std::string> ids;
  for (const auto& n : all) ids.push_back(net.commit_delegation(n));
  const uint64_t top = net.common_height(all, 20s);
  REQUIRE_MESSAGE(net.wait_height(all, top + 2, 30s), net.heights() << net.logs_tail());
  for (const auto& id : ids) net.require_committed(all, id);
  net.require_agreement(all, top + 2);

  // The faults were there: frames were lost and copied on every node's links.
  for (const auto& from : all) {
    const std::string to = from == all[0] ? all[1] : all[0];
    auto r = wait_report(net, from, to, [](const LinkReport& r) { return r.dropped > 0 && r.duplicated > 0; });
    REQUIRE_MESSAGE(r.has_value(), from << " reported nothing on its link to " << to);
    CHECK_MESSAGE(r->dropped > 0, from << "->" << to);
    CHECK_MESSAGE(r->duplicated > 0, from << "->" << to);
    // About one frame in ten is lost: within five standard deviations of
    // the binomial mean (a fixed percentage band failed on a link of 72
    // frames, where 2 losses are an ordinary draw).
    const double n = static_cast<double>(r->frames), mean = 0.1 * n, sd = std::sqrt(n * 0.1 * 0.9);
    CHECK_MESSAGE(static_cast<double>(r->dropped) >= mean - 5 * sd,
                  from << "->" << to << ": " << r->dropped << " of " << r->frames);
    CHECK_MESSAGE(static_cast<double>(r->dropped) <= mean + 5 * sd,
                  from << "->" << to << ": " << r->dropped << " of " << r->frames);
  }
}
