// What-if studies: a YAML file that names a base config and the ways to vary
// it (grid sweeps, zipped sweeps, process/temperature/supply corners, Monte
// Carlo draws), expanded into jobs. A job is one `memcosim run` of the base
// config with a list of dotted-key overrides, the same overrides `--set`
// takes, so a job's config is loaded, validated and located exactly as a
// config on the command line is.
//
//   name: study_gbw_noise                # default: the file's stem
//   config: ring.yaml                    # base config, relative to this file
//   timeout: 600                         # seconds one job may take (default 3600)
//   set:                                 # overrides of every job
//     simulation.n: 24
//   grid:                                # cartesian product; the first key varies slowest
//     circuit.opamp.gbw: [300k, 1meg, 3meg, 10meg]
//     circuit.crossbar.programming_error: [0, 0.02, 0.05, 0.1]
//   zip:                                 # lists of one length, advanced together
//     circuit.integrator.r: [100k, 50k]
//     circuit.integrator.c: [10n, 20n]
//   corners:                             # axis -> corner name -> overrides
//     supply:
//       nominal: {}
//       low: {circuit.supply.vdd: 0.81, circuit.supply.vss: -0.81}
//   monte_carlo:
//     draws: 8
//     seed: 1
//     vary:
//       circuit.opamp.offset: {normal: [0, 1m]}       # mean, standard deviation
//       circuit.crossbar.programming_error: {uniform: [0, 0.1]}
//       circuit.integrator.c: {lognormal: [10n, 0.05]} # median, sigma of ln
//       circuit.opamp.a0: {choice: [1k, 10k]}
//       seed: {sequence: 100}                          # 100, 101, ... (seeds for device variation)
//   table: [error_vs_reference.final.median, metrics.circuit.kl.value]
//   plot:
//     metrics: [error_vs_reference.final.median]
//     x: circuit.opamp.gbw               # default: the first parameter
//     series: circuit.crossbar.programming_error   # one line per value; default: the second
//     log_x: true
//     log_y: true
//
// Jobs are the product grid x zip x corners x draws (draws vary fastest).
// Metric names are the flattened keys of the run's summary.json.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "util/error.hpp"

namespace memcosim::study {

// One dotted-key override of a job; value is YAML text, as after --set key=.
struct Override {
  std::string key;
  std::string value;
  SourceLocation key_at, value_at;  // where the study file gives them
  std::string arg() const { return key + "=" + value; }
};

// What tells a job apart from the others of its study (shown in tables and
// plots): a swept key, a corner axis or the Monte Carlo draw.
struct Parameter {
  std::string name;              // dotted key, corner axis name, or "draw"
  std::string text;              // the value (corner name, YAML text, drawn number)
  std::optional<double> number;  // numeric value, when it is one
};

struct Job {
  long index = 0;                     // position in the expansion
  std::vector<Parameter> parameters;  // in the order of Study::parameter_names
  std::vector<Override> overrides;    // set, then grid, zip, corners, draws
  std::string config_hash;            // identity of the resolved config (validate_jobs)

  std::vector<std::string> override_args() const;
  std::string label() const;  // "gbw=1meg programming_error=0.05"
};

struct PlotSpec {
  std::vector<std::string> metrics;
  std::string x, series;  // parameter names; series may be empty
  bool log_x = false, log_y = false;
};

struct Study {
  std::string file;  // the study file as given
  std::string name;
  std::string config;     // base config path (relative to the working directory, as the user would write it)
  double timeout = 3600;  // seconds per job
  std::vector<std::string> parameter_names;
  std::vector<std::string> table_metrics;
  PlotSpec plot;
  std::vector<Job> jobs;

  // The study as JSON (name, parameters, table, plot) for the results store.
  nlohmann::json describe() const;
};

// Metrics a table shows when the study names none.
const std::vector<std::string>& default_table_metrics();

// Reads a study file and expands it into jobs; with check_configs, loads
// every job's config (base config + the job's overrides, through
// config::load_config), checks the weight files and fills each config_hash.
// Throws InputError listing every problem, before anything runs: problems
// of the study file at their file:line:column and key path, problems of a
// job's config at the study line that set the offending value, with the
// job(s) they occur in. Two jobs with one config are an error.
Study load_study(const std::string& path, std::ostream& warn, bool check_configs = true);

// Identity of a resolved config: a 64-bit hash (16 hex digits) of its
// normalised YAML and of the bytes of its weight file. Keys that choose how,
// not what, is computed (simulation.workers, simulation.mode) do not count.
std::string config_hash(const config::Config& cfg);

}  // namespace memcosim::study
