// The task a config selects (`task: diffusion | twin`), seen by every
// command through one interface: `netlist`, `run`, `stability`, `sweep`
// (its jobs run `run`) and `regress` (golden netlists) do their plumbing
// once and ask the task for what differs — the circuit around the shared
// network-to-circuit path, the references, the metrics (DESIGN.md §4).
#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "circuit/ir.hpp"
#include "config/config.hpp"

namespace memcosim::flow {

struct RunOptions {
  std::filesystem::path out_dir;  // results folder (created)
  long n = 0;                     // trajectories; 0 = simulation.n
  bool quiet = false;             // no per-sample progress lines
  // Measured by the caller before run_circuit (0 if not), reported with the
  // run's own phases in summary.json "timing".
  double config_load_seconds = 0;
  double model_load_seconds = 0;
  // No ngspice: only the circuit-equivalent reference and the software
  // sampler for the same starts, their samples and metrics (with
  // simulation.reference = circuit, the programmed chip's settled circuit:
  // a fast estimate of what the circuit would sample).
  bool reference_only = false;
};

// What `run` reports to the command: failed transients (the command's exit
// status) and what summary.json holds.
struct RunOutcome {
  long failures = 0;
  long transients = 0;
  nlohmann::json summary;
};

class Task {
 public:
  virtual ~Task() = default;
  // "diffusion", "twin"
  virtual std::string name() const = 0;
  // The circuit `run` simulates for trajectory (or test case) `sample`, its
  // start set, with ".options klu" when use_klu. cfg may differ from the
  // config the task was loaded from in circuit and simulation keys (corners,
  // temperatures, levels), not in the model.
  virtual circuit::Circuit circuit(const config::Config& cfg, bool use_klu, std::uint64_t sample) const = 0;
  // `memcosim run`: simulates, compares and writes the results folder.
  virtual RunOutcome run(const config::Config& cfg, const RunOptions& options, std::ostream& log) const = 0;
};

// Loads the model the config names (model.file) for its task. A missing or
// invalid file is an InputError located at model.file; warnings (the file's
// architecture overriding the config's) go to `warn`.
std::unique_ptr<Task> load_task(const config::Config& cfg, std::ostream& warn);

}  // namespace memcosim::flow
