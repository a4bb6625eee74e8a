// `memcosim run`: circuit sampling of N trajectories in ngspice and the
// reference for the same starts.
//
// Two references are integrated with Boost.Odeint from the same x_T:
//   - the circuit-equivalent reference: the ODE the circuit is built to
//     solve, in physical time, with the same DAC waveforms (what the
//     per-trajectory errors are measured against);
//   - the software sampler: the PF-ODE with the exact embedding (the
//     baseline of the distribution metrics).
// Every finished transient is written to samples.csv at once, so a failing
// or interrupted run keeps what it has.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include "analysis/compare.hpp"
#include "analysis/metrics.hpp"
#include "config/config.hpp"
#include "flow/task.hpp"
#include "nn/weights.hpp"
#include "reference/sampler.hpp"
#include "tasks/diffusion/circuit.hpp"

namespace memcosim::tasks::diffusion {

struct TrajectoryOutcome {
  long index = 0;
  std::string status = "ok";  // spice::JobStatus name
  std::string message;
  Eigen::VectorXd start, circuit, reference, software;  // x_T and the three end points
  analysis::TrajectoryError error;                      // circuit vs circuit-equivalent reference
  double wall_seconds = 0;
  long time_points = 0;
  bool rail_hit = false;                 // an op-amp output reached the swing limits
  std::map<std::string, double> energy;  // J per block over the transient (transistor level; flow/energy.hpp)
  bool ok() const { return status == "ok"; }
};

struct RunReport {
  std::vector<TrajectoryOutcome> trajectories;  // by index
  analysis::Metrics circuit_metrics, software_metrics;
  long failures = 0;
  double simulated_seconds = 0;  // physical time of one transient
  double wall_seconds = 0;       // whole run
  nlohmann::json summary;        // what summary.json holds
  // Transistor level: mean energy per sample (J) drawn from the supplies and
  // delivered by ideal sources (flow/energy.hpp); 0 otherwise.
  double energy_supply = 0, energy_sources = 0;
};

// The two references of a run for the starts x0 (dim x n): the
// circuit-equivalent one (x_ref, recorded at `grid`) and the software
// sampler (x_soft); brownian != nullptr for the reverse SDE.
struct References {
  Eigen::MatrixXd x_ref, x_soft;
  std::vector<Eigen::MatrixXd> trajectory;  // x_ref at the grid points
  long reference_steps = 0, software_steps = 0;
  bool settled = false;  // simulation.reference = circuit
};
References integrate_references(const config::Config& cfg, const nn::LoadedModel& model, const SolverCircuit& sc,
                                const sde::VpSchedule& schedule, const reference::SamplerOptions& so,
                                const Eigen::MatrixXd& x0, const std::vector<double>& grid,
                                const sde::BrownianPath* brownian);

// Runs everything and writes the results folder. Throws InputError for a
// config the circuit cannot realise; simulator failures of single
// trajectories are recorded and counted (the caller decides the exit status).
RunReport run_circuit(const config::Config& cfg, const nn::LoadedModel& model, const flow::RunOptions& options,
                      std::ostream& log);

// sampling.all_classes: run_circuit() once per class of the conditional
// model, into <out_dir>/<class name>/, each measured against its class's
// data; then <out_dir>/summary.json with the per-class metrics and
// <out_dir>/classes.png (circuit over software samples, a panel per class).
struct ClassesReport {
  std::vector<std::string> names;
  std::vector<RunReport> runs;  // by class
  long failures = 0;
  nlohmann::json summary;
};
ClassesReport run_all_classes(const config::Config& cfg, const nn::LoadedModel& model, const flow::RunOptions& options,
                              std::ostream& log);

}  // namespace memcosim::tasks::diffusion
