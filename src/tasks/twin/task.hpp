// The neural-ODE twin as a task of every command (flow/task.hpp): its test
// cases (HP: the unseen drives; Lorenz96: the test starts and one long run),
// the circuit of a case (circuit.hpp), the signal scaling chosen from the
// network and the ranges it visits, and `memcosim run` (run.cpp).
#pragma once

#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "config/config.hpp"
#include "flow/task.hpp"
#include "nn/mlp_weights.hpp"
#include "tasks/twin/circuit.hpp"
#include "tasks/twin/system.hpp"

namespace memcosim::tasks::twin {

// One circuit run: a drive (HP) or none (Lorenz96), a start, a length.
struct TestCase {
  std::string label;
  std::vector<Drive> drive;  // 0 or 1 entries (one per drive input)
  Eigen::VectorXd x0;
  double duration = 0;    // model time
  bool long_run = false;  // Lorenz96: the long run for the attractor statistics
};

// The test cases of a config, in the order `run` numbers them: HP the
// enabled test drives from twin.hp.x0; Lorenz96 the test starts, then one
// long run of twin.circuit_long_run from the first start.
std::vector<TestCase> test_cases(const config::Config& cfg);

// The drive as the circuit's DAC holds it, in model time, over [0, duration].
circuit::Waveform held_waveform(const Drive& drive, double update_period, double duration);

// The scaling of twin.scaling: the given values, the rest chosen so that
// margin x the largest |value| the software twin visits on the cases reaches
// row_swing (states, drives, hidden activations) or rate_swing (rates).
TwinScaling choose_scaling(const config::Config& cfg, const nn::Mlp& net, int dim, const std::vector<TestCase>& cases);
// The same scaling written back into the config's twin.scaling keys.
void record_scaling(config::Config& cfg, const TwinScaling& scaling);

// The circuit of one case.
TwinCircuit case_circuit(const config::Config& cfg, const nn::Mlp& net, const TestCase& c, const TwinScaling& scaling,
                         bool use_klu, std::uint64_t trajectory);

std::unique_ptr<flow::Task> load_twin_task(const config::Config& cfg, std::ostream& warn);

// `memcosim run` of a twin config (run.cpp).
flow::RunOutcome run_twin(const config::Config& cfg, const nn::LoadedMlp& model, const flow::RunOptions& options,
                          std::ostream& log);

}  // namespace memcosim::tasks::twin
