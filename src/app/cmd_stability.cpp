// memcosim stability CONFIG [--corner tt,ff,...] [--temp -40,27,...] [--loops NAMES|first] [--mismatch N] [-o DIR]
#include <iostream>
#include <sstream>

#include "app/cli.hpp"
#include "flow/common.hpp"
#include "flow/stability.hpp"
#include "flow/task.hpp"
#include "util/error.hpp"

namespace memcosim::app {

namespace {

std::vector<std::string> split_list(const std::vector<std::string>& items) {
  std::vector<std::string> out;
  for (const auto& item : items) {
    std::stringstream ss(item);
    for (std::string part; std::getline(ss, part, ',');)
      if (!part.empty()) out.push_back(part);
  }
  return out;
}

}  // namespace

void add_stability_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("stability",
                                 "Loop gain, phase and gain margin of every op-amp loop in the generated circuit, and "
                                 "the integrators' step response; exit 1 if a spec is not met");
  auto args = std::make_shared<ConfigArgs>();
  auto corners = std::make_shared<std::vector<std::string>>();
  auto temps = std::make_shared<std::vector<std::string>>();
  auto loops = std::make_shared<std::vector<std::string>>();
  auto out = std::make_shared<std::string>();
  auto no_steps = std::make_shared<bool>(false);
  auto mismatch = std::make_shared<long>(0);
  add_config_args(*cmd, *args);
  cmd->add_option("--corner", *corners, "Process corners, e.g. tt,ff,ss (default: circuit.transistor.corner)");
  cmd->add_option("--temp", *temps, "Temperatures in C, e.g. -40,27,125 (default: circuit.transistor.temperature)");
  cmd->add_option(
      "--loops", *loops,
      "Op-amps to measure, e.g. int0,l1_tia3, 'first' (one per block) or 'all'; default stability.loops (empty: all)");
  cmd->add_flag("--no-steps", *no_steps, "Skip the integrators' step responses");
  cmd->add_option("--mismatch", *mismatch,
                  "Device-mismatch Monte Carlo over N draws: offsets and margins per loop, their distributions and the "
                  "yield (circuit.transistor.mismatch; --loops then names the loops also measured in place by AC)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("-o,--output", *out, "Results folder (default: out/<name>-stability)")->check(NonEmptyPath);
  cmd->callback([=] {
    const config::Config cfg = args->load();
    const auto task = flow::load_task(cfg, std::cerr);
    flow::StabilityOptions o;
    for (const auto& c : split_list(*corners)) {
      bool found = false;
      for (const auto& [value, name] : config::EnumNames<config::Corner>::values)
        if (name == c) {
          o.corners.push_back(value);
          found = true;
        }
      if (!found)
        throw InputError(
            Diagnostic{SourceLocation{"--corner"}, "",
                       "unknown corner '" + c + "' (one of " + config::enum_choices<config::Corner>() + ")"});
    }
    for (const auto& t : split_list(*temps)) {
      const auto parsed = config::parse_si(t);
      if (!parsed.ok) throw InputError(Diagnostic{SourceLocation{"--temp"}, "", "'" + t + "': " + parsed.error});
      o.temperatures.push_back(parsed.value);
    }
    o.loops = split_list(loops->empty() ? std::vector<std::string>{cfg.stability.loops} : *loops);
    if (o.loops == std::vector<std::string>{"all"}) o.loops.clear();
    o.steps = !*no_steps;
    o.out_dir = out->empty() ? "out/" + cfg.name + "-stability" : *out;
    o.mismatch = *mismatch;
    const auto report = o.mismatch > 0 ? flow::run_stability_mismatch(cfg, *task, o, std::cout)
                                       : flow::run_stability(cfg, *task, o, std::cout);
    if (!report.passed())
      throw SimulationError("stability specs not met: " + std::to_string(report.failures) +
                            " failing item(s) (tables above, stability.json)");
  });
}

}  // namespace memcosim::app
