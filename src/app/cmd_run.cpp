// memcosim run CONFIG [-n N] [-o DIR] [--in-process] [--class NAME|INDEX|all]
#include <chrono>
#include <iostream>

#include "app/cli.hpp"
#include "flow/common.hpp"
#include "flow/task.hpp"
#include "tasks/diffusion/setup.hpp"
#include "util/limits.hpp"

namespace memcosim::app {

void add_run_command(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("run", "Circuit sampling in ngspice against the Boost.Odeint reference (the main job)");
  auto args = std::make_shared<ConfigArgs>();
  auto n = std::make_shared<long>(0);
  auto out = std::make_shared<std::string>();
  auto in_process = std::make_shared<bool>(false);
  auto quiet = std::make_shared<bool>(false);
  auto cls = std::make_shared<std::string>();
  auto reference_only = std::make_shared<bool>(false);
  add_config_args(*cmd, *args);
  cmd->add_option("-n", *n, "Trajectories (default: simulation.n)")->check(count_range(limits::kMaxTrajectories));
  cmd->add_option("-o,--output", *out, "Results folder (default: out/<name>-run)")->check(NonEmptyPath);
  cmd->add_flag("--in-process", *in_process, "Simulate in this process instead of worker processes");
  cmd->add_flag("-q,--quiet", *quiet, "No progress lines");
  cmd->add_flag("--reference-only", *reference_only,
                "No ngspice: only the circuit-equivalent reference (with simulation.reference=circuit, the programmed "
                "chip's settled circuit) and the software sampler, their samples and metrics");
  cmd->add_option("--class", *cls,
                  "Conditional model: the class to generate, by name (e.g. K) or index, or 'all' for one run per class "
                  "(sets sampling.class_index / sampling.all_classes)");
  cmd->callback([=] {
    ConfigArgs a = *args;
    if (*in_process) a.overrides.push_back("simulation.mode=in_process");
    using Clock = std::chrono::steady_clock;
    const auto t0 = Clock::now();
    config::Config cfg = a.load();
    if (!cls->empty()) tasks::diffusion::select_class(cfg, *cls);
    const auto t1 = Clock::now();
    const auto task = flow::load_task(cfg, std::cerr);
    flow::RunOptions o;
    o.config_load_seconds = std::chrono::duration<double>(t1 - t0).count();
    o.model_load_seconds = std::chrono::duration<double>(Clock::now() - t1).count();
    o.out_dir = out->empty() ? "out/" + cfg.name + "-run" : *out;
    o.n = *n;
    o.quiet = *quiet;
    o.reference_only = *reference_only;
    const flow::RunOutcome outcome = task->run(cfg, o, std::cout);
    if (outcome.failures > 0)
      throw SimulationError(std::to_string(outcome.failures) + " of " + std::to_string(outcome.transients) +
                            " transients failed (listed above and in summary.json); the others' results are kept");
  });
}

}  // namespace memcosim::app
