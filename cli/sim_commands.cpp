// numledger sim consensus: seeded runs of the consensus simulator
// (consensus/sim), one summary line per run and a total. Exit 1 when any run
// broke safety (conflicting decisions, double signs, or an invalid value,
// certificate or evidence), so scripts and CI can run many seeds.
#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "consensus/sim/simulation.h"

namespace nl::cli {

namespace {

struct SimOpts {
  size_t validators = 4;
  size_t byzantine = 0;
  uint64_t seeds = 1;
  uint64_t heights = 10;
  double drop = 0;
  bool partition = false;
  bool crash = false;
  uint64_t seed_start = 1;
  std::string attack = "auto";
};

CLI::Validator probability_below_one() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        double p = 0;
        try {
          size_t used = 0;
          p = std::stod(s, &used);
          if (used != s.size()) throw std::invalid_argument(s);
        } catch (const std::exception&) {
          return "'" + s + "' is not a number";
        }
        if (!(p >= 0 && p < 1)) return "drop probability " + s + " is outside [0, 1)";
        return {};
      },
      "P in [0,1)");
}

std::string summary(const consensus::sim::SimResult& r) {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "seed=%llu N=%zu F=%zu violations=%llu double_signs=%llu heights=%llu/%llu rounds/height=%.2f "
                "msgs/height=%.1f evidence=%llu sim_time=%.1fs",
                static_cast<unsigned long long>(r.seed), r.validators, r.byzantine,
                static_cast<unsigned long long>(r.safety_violations), static_cast<unsigned long long>(r.double_signs),
                static_cast<unsigned long long>(r.heights_decided), static_cast<unsigned long long>(r.heights),
                r.mean_rounds_per_height, r.messages_per_height, static_cast<unsigned long long>(r.evidence_found),
                static_cast<double>(r.sim_time_ms) / 1000.0);
  std::string line = buf;
  auto extra = [&](const char* name, uint64_t v) {
    if (v) line += std::string(" ") + name + "=" + std::to_string(v);
  };
  extra("invalid_values", r.invalid_decisions);
  extra("bad_certificates", r.bad_certificates);
  extra("bad_evidence", r.bad_evidence);
  extra("crashes", r.crashes);
  extra("partitions", r.partitions);
  if (!r.all_decided) line += " UNDECIDED";
  return line;
}

int run_sim(const SimOpts& o) {
  using namespace consensus::sim;
  if (o.byzantine > o.validators)
    return report(kExitUsage, "--byzantine " + std::to_string(o.byzantine) + " is more than --validators " +
                                  std::to_string(o.validators));
  if (o.seed_start > UINT64_MAX - (o.seeds - 1))
    return report(kExitUsage, "--seed-start " + std::to_string(o.seed_start) + " plus --seeds " +
                                  std::to_string(o.seeds) + " runs past the largest seed");
  SimConfig cfg;
  cfg.validators = o.validators;
  cfg.byzantine = o.byzantine;
  cfg.heights = o.heights;
  cfg.drop = o.drop;
  cfg.partition = o.partition;
  cfg.crash = o.crash;
  cfg.attack = o.attack == "split" ? Attack::split : o.attack == "mixed" ? Attack::mixed : Attack::automatic;
  if (auto s = validate(cfg); !s) return report(kExitUsage, s.error());

  uint64_t unsafe = 0, violations = 0, double_signs = 0, undecided = 0, evidence = 0;
  for (uint64_t i = 0; i < o.seeds; ++i) {
    cfg.seed = o.seed_start + i;
    Simulation sim(cfg);
    sim.run();
    const SimResult r = sim.result();
    std::printf("%s\n", summary(r).c_str());
    std::fflush(stdout);
    const auto seed = static_cast<unsigned long long>(cfg.seed);
    if (!r.safe()) std::fprintf(stderr, "seed=%llu: %s\n", seed, r.first_problem.c_str());
    if (!r.all_decided)
      std::fprintf(stderr, "seed=%llu: not every honest node decided every height; where the nodes stand:\n%s", seed,
                   sim.describe().c_str());
    unsafe += r.safe() ? 0 : 1;
    violations += r.safety_violations;
    double_signs += r.double_signs;
    undecided += r.all_decided ? 0 : 1;
    evidence += r.evidence_found;
  }
  std::printf("total runs=%llu unsafe_runs=%llu violations=%llu double_signs=%llu undecided_runs=%llu evidence=%llu\n",
              static_cast<unsigned long long>(o.seeds), static_cast<unsigned long long>(unsafe),
              static_cast<unsigned long long>(violations), static_cast<unsigned long long>(double_signs),
              static_cast<unsigned long long>(undecided), static_cast<unsigned long long>(evidence));
  return unsafe > 0 ? kExitFailure : kExitOk;
}

}  // namespace

void add_sim_commands(CLI::App& app, Dispatch& d) {
  CLI::App& sim = add_group(app, "sim", "deterministic simulations");

  auto [cmd, o] = add_command<SimOpts>(
      sim, "consensus", "seeded runs of N validators on a simulated network; exit 1 if any run broke safety", d,
      run_sim);
  cmd->add_option("--validators", o->validators, "validators N (1-256)")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{256}));
  cmd->add_option("--byzantine", o->byzantine, "Byzantine validators F among them (0-N)")
      ->capture_default_str()
      ->check(CLI::Range(size_t{0}, size_t{256}));
  cmd->add_option("--seeds", o->seeds, "number of runs S, one seed each (1-1000000)")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{1'000'000}));
  cmd->add_option("--heights", o->heights, "heights H every honest validator must decide (1-1000000)")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{1'000'000}));
  cmd->add_option("--drop", o->drop, "probability P in [0, 1) that a message is lost")
      ->capture_default_str()
      ->check(probability_below_one());
  cmd->add_flag("--partition", o->partition, "split the network in two for 2-5 s, then heal");
  cmd->add_flag("--crash", o->crash, "crash honest validators and restart them from their WAL");
  cmd->add_option("--seed-start", o->seed_start, "first seed K; runs use K .. K+S-1")->capture_default_str();
  cmd->add_option("--attack", o->attack,
                  "Byzantine strategy: split (coordinated, two honest groups), mixed (seeded per node), "
                  "auto (split when F > N/3)")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "split", "mixed"}));
  add_sim_whole_node_command(sim, d);
}

}  // namespace nl::cli
