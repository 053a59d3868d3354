// numledger sim whole-node: seeded runs of the whole node in deterministic
// simulation (node/sim): real drivers over a simulated network and clock,
// against Byzantine validators and an adversary that controls delivery
// before GST. One line per run, a total with the runs per minute, and how
// often each rule of Algorithm 1 fired over all runs. Exit 1 when any run
// broke safety or liveness, left a transaction out, or had an honest node
// penalise another.
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "node/log/node_log.h"
#include "node/sim/whole_node_sim.h"

namespace nl::cli {

namespace {

struct WholeNodeOpts {
  node::sim::WholeNodeConfig cfg;
  uint64_t seeds = 1;
  uint64_t seed_start = 1;
  std::string behaviours = "all";
  std::string scenario = "random";
  bool json = false;
  bool sweep = false;
  std::string log_level = "error";
};

std::string line_of(const node::sim::WholeNodeResult& r, const node::sim::WholeNodeConfig& c) {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "seed=%llu N=%zu F=%zu observers=%zu height=%llu/%llu rounds/height=%.2f txs=%llu frames=%llu "
                "cuts=%llu byzantine_msgs=%llu bans=%llu sim_time=%.1fs trace=%s%s",
                static_cast<unsigned long long>(r.seed), c.validators, c.byzantine, c.observers,
                static_cast<unsigned long long>(r.min_height), static_cast<unsigned long long>(c.heights),
                r.rounds_per_height, static_cast<unsigned long long>(r.txs_submitted),
                static_cast<unsigned long long>(r.deliveries), static_cast<unsigned long long>(r.cuts),
                static_cast<unsigned long long>(r.byzantine_messages), static_cast<unsigned long long>(r.bans),
                static_cast<double>(r.sim_ms) / 1000.0, r.trace_digest.substr(0, 16).c_str(),
                r.ok() ? "" : " FAILED");
  return buf;
}

// The standard sweep: the seed picks N from 4 to 31 with F = (N-1)/3,
// unequal power on odd seeds and a set change on every third, each with
// one observer, 8 heights and 8 s of asynchrony.
void sweep_config(node::sim::WholeNodeConfig& c) {
  static constexpr size_t kSizes[] = {4, 7, 10, 13, 31};
  c.validators = kSizes[c.seed % 5];
  c.byzantine = (c.validators - 1) / 3;
  c.observers = 1;
  c.unequal_power = c.seed % 2 == 1;
  c.set_change_at = c.seed % 3 == 0 ? 3 : 0;
  c.heights = 8;
  c.gst_ms = 8000;
}

int run_whole_node_sims(WholeNodeOpts& o) {
  using namespace node::sim;
  auto b = parse_behaviours(o.behaviours);
  if (!b) return report(kExitUsage, "--behaviours: " + b.error());
  o.cfg.behaviours = *b;
  o.cfg.scenario = o.scenario == "stall-bug1" ? Scenario::stall_bug1 : Scenario::random;
  if (o.cfg.scenario != Scenario::random) o.cfg.byzantine = 1, o.cfg.validators = 4;
  if (auto s = validate(o.cfg); !s) return report(kExitUsage, s.error());
  if (o.seed_start > UINT64_MAX - (o.seeds - 1))
    return report(kExitUsage, "--seed-start plus --seeds runs past the largest seed");
  if (auto s = node::logging::configure(o.log_level, "text"); !s) return report(kExitUsage, "--log-level: " + s.error());

  std::array<uint64_t, consensus::kRuleCount> rules{};
  uint64_t failed = 0;
  nlohmann::json runs = nlohmann::json::array();
  const auto started = std::chrono::steady_clock::now();
  for (uint64_t i = 0; i < o.seeds; ++i) {
    WholeNodeConfig c = o.cfg;
    c.seed = o.seed_start + i;
    if (o.sweep) sweep_config(c);
    auto r = run_whole_node(c);
    if (!r) return report(kExitFailure, "seed " + std::to_string(c.seed) + ": " + r.error());
    for (size_t k = 0; k < rules.size(); ++k) rules[k] += r->rules[k];
    if (!r->ok()) ++failed;
    if (o.json) {
      runs.push_back({{"seed", r->seed}, {"ok", r->ok()}, {"safe", r->safe}, {"live", r->live},
                      {"all_txs_committed", r->all_txs_committed}, {"honest_penalties", r->honest_penalties},
                      {"byzantine_penalties", r->byzantine_penalties},
                      {"min_height", r->min_height}, {"rounds_per_height", r->rounds_per_height},
                      {"frames", r->deliveries}, {"cuts", r->cuts}, {"byzantine_messages", r->byzantine_messages},
                      {"bans", r->bans}, {"sim_ms", r->sim_ms}, {"trace", r->trace_digest},
                      {"problem", r->first_problem}});
    } else {
      std::printf("%s\n", line_of(*r, c).c_str());
      if (!r->ok()) std::fprintf(stderr, "seed=%llu: %s\n", static_cast<unsigned long long>(c.seed), r->first_problem.c_str());
      std::fflush(stdout);
    }
  }
  const double minutes =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() / 60.0;
  const double per_minute = minutes > 0 ? static_cast<double>(o.seeds) / minutes : 0;
  if (o.json) {
    nlohmann::json cov = nlohmann::json::object();
    for (size_t k = 0; k < rules.size(); ++k) cov[consensus::rule_name(static_cast<consensus::Rule>(k))] = rules[k];
    nlohmann::json out = {{"runs", runs}, {"failed", failed}, {"runs_per_minute", per_minute},
                          {"behaviours", behaviour_names(o.cfg.behaviours)}, {"rules", cov}};
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    std::printf("total runs=%llu failed=%llu runs/min=%.1f behaviours=%s\n", static_cast<unsigned long long>(o.seeds),
                static_cast<unsigned long long>(failed), per_minute, behaviour_names(o.cfg.behaviours).c_str());
    std::printf("rules of Algorithm 1 fired (honest engines, all runs):\n");
    for (size_t k = 0; k < rules.size(); ++k)
      std::printf("  %-45s %10llu%s\n", consensus::rule_name(static_cast<consensus::Rule>(k)),
                  static_cast<unsigned long long>(rules[k]), rules[k] ? "" : "   NEVER");
  }
  return failed ? kExitFailure : kExitOk;
}

}  // namespace

void add_sim_whole_node_command(CLI::App& sim, Dispatch& d) {
  auto [cmd, o] = add_command<WholeNodeOpts>(
      sim, "whole-node",
      "seeded runs of whole nodes (real drivers, gossip, mempool, sync) on a simulated network and clock; "
      "exit 1 if any run failed",
      d, run_whole_node_sims);
  cmd->add_option("--validators", o->cfg.validators, "validators N (1-64)")->capture_default_str();
  cmd->add_option("--byzantine", o->cfg.byzantine, "Byzantine validators F among them")->capture_default_str();
  cmd->add_option("--observers", o->cfg.observers, "honest nodes without a vote (0-16)")->capture_default_str();
  cmd->add_option("--heights", o->cfg.heights, "heights every honest node must commit (1-1000)")->capture_default_str();
  cmd->add_option("--seeds", o->seeds, "number of runs S, one seed each")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{1'000'000}));
  cmd->add_option("--seed-start", o->seed_start, "first seed K; runs use K .. K+S-1")->capture_default_str();
  cmd->add_option("--behaviours", o->behaviours,
                  "what the Byzantine validators do: all, none, or a list of double-vote, equivocate-propose, "
                  "forge-lock-proof, flood-future, withhold, claim-observer, replay")
      ->capture_default_str();
  cmd->add_flag("--unequal-power", o->cfg.unequal_power, "voting powers 1-4 from the seed instead of all 1");
  cmd->add_option("--set-change-at", o->cfg.set_change_at,
                  "submit a validator-update at this height: the last honest validator leaves, the first observer "
                  "joins (needs --observers 1)")
      ->capture_default_str();
  cmd->add_option("--gst-ms", o->cfg.gst_ms, "simulated ms before the network becomes synchronous")->capture_default_str();
  cmd->add_option("--max-delay-ms", o->cfg.max_delay_ms, "largest delay before GST")->capture_default_str();
  cmd->add_option("--delta-ms", o->cfg.delta_ms, "largest delay after GST")->capture_default_str();
  cmd->add_option("--limit-ms", o->cfg.limit_ms, "simulated ms after GST by which every honest node must be done")
      ->capture_default_str();
  cmd->add_option("--txs", o->cfg.txs, "transactions clients submit before GST + 1 s (0-250)")->capture_default_str();
  cmd->add_option("--scenario", o->scenario, "random (the seeded adversary) or stall-bug1 (issue 20's bug 1)")
      ->capture_default_str()
      ->check(CLI::IsMember({"random", "stall-bug1"}));
  cmd->add_flag("--sweep", o->sweep,
                "the standard sweep: the seed sets N (4, 7, 10, 13, 31), F = (N-1)/3, unequal power, set "
                "changes, 1 observer, 8 heights, GST at 8 s (other shape options are ignored)");
  cmd->add_flag("--json", o->json, "one JSON document: every run, the rule counts and runs per minute");
  cmd->add_option("--log-level", o->log_level, "the nodes' own log lines on stderr from this level: debug, info, warn, error")
      ->capture_default_str();
}

}  // namespace nl::cli
