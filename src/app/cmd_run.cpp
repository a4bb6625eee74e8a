// memcosim run CONFIG [-n N] [-o DIR] [--in-process]
#include <chrono>
#include <iostream>

#include "app/cli.hpp"
#include "flow/common.hpp"
#include "flow/run.hpp"

namespace memcosim::app {

void add_run_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("run", "Circuit sampling in ngspice against the Boost.Odeint reference (the main job)");
  auto args = std::make_shared<ConfigArgs>();
  auto n = std::make_shared<long>(0);
  auto out = std::make_shared<std::string>();
  auto in_process = std::make_shared<bool>(false);
  auto quiet = std::make_shared<bool>(false);
  add_config_args(*cmd, *args);
  cmd->add_option("-n", *n, "Trajectories (default: simulation.n)")->check(CLI::PositiveNumber);
  cmd->add_option("-o,--output", *out, "Results folder (default: out/<name>-run)");
  cmd->add_flag("--in-process", *in_process, "Simulate in this process instead of worker processes");
  cmd->add_flag("-q,--quiet", *quiet, "No progress lines");
  cmd->callback([=] {
    ConfigArgs a = *args;
    if (*in_process) a.overrides.push_back("simulation.mode=in_process");
    using Clock = std::chrono::steady_clock;
    const auto t0 = Clock::now();
    const config::Config cfg = a.load();
    const auto t1 = Clock::now();
    const auto model = flow::load_model(cfg, std::cerr);
    flow::RunOptions o;
    o.config_load_seconds = std::chrono::duration<double>(t1 - t0).count();
    o.model_load_seconds = std::chrono::duration<double>(Clock::now() - t1).count();
    o.out_dir = out->empty() ? "out/" + cfg.name + "-run" : *out;
    o.n = *n;
    o.quiet = *quiet;
    const auto report = flow::run_circuit(cfg, model, o, std::cout);
    if (report.failures > 0)
      throw SimulationError(std::to_string(report.failures) + " of " + std::to_string(report.trajectories.size()) +
                            " transients failed (listed above and in summary.json); the others' results are kept");
  });
}

}  // namespace memcosim::app
