// Shared pieces of the command-line front end. Each command lives in its own
// cmd_*.cpp and registers itself on the CLI11 app; the work is done by the
// library (src/flow and below), never here.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "config/config.hpp"

namespace memcosim::app {

// Options every config-driven command takes.
struct ConfigArgs {
  std::string path;
  std::vector<std::string> overrides;  // --set key=value
  config::Config load() const { return config::load_config(path, overrides); }
};

void add_config_args(CLI::App& cmd, ConfigArgs& args);

// Validators for command-line values. CLI11's PositiveNumber lets "nan" and
// "inf" through (a --timeout nan would then never fire).
extern const CLI::Validator FinitePositive;     // a finite number > 0
extern const CLI::Validator FiniteNonNegative;  // a finite number >= 0
extern const CLI::Validator NonEmptyPath;       // not "" (-o '' is not "the default folder")
// A count of trajectories or samples: 1..kMaxCount (config key limits are
// documented in configs/README.md; the same bound holds on the command line).
CLI::Validator count_range(long max);

void add_check_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_import_command(CLI::App& app);
void add_sample_command(CLI::App& app);
void add_run_command(CLI::App& app);
void add_netlist_command(CLI::App& app);
void add_sim_command(CLI::App& app);
void add_regress_command(CLI::App& app);
void add_stability_command(CLI::App& app);
void add_sweep_commands(CLI::App& app);  // sweep, results (cmd_sweep.cpp)

}  // namespace memcosim::app
