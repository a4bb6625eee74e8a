// The PRIME spiking network as a task of every command (flow/task.hpp):
// `netlist` writes the circuit of one test image, `run` simulates test
// images (with early stop inside the simulation) against the discrete-time
// software network.
#pragma once

#include <iosfwd>
#include <memory>
#include <vector>

#include "config/config.hpp"
#include "flow/task.hpp"
#include "tasks/prime/model.hpp"
#include "tasks/prime/train.hpp"

namespace memcosim::tasks::prime {

// The test images `run` uses: `count` of a permutation of the test split
// seeded by derive_seed(seed, "prime-images"), from position
// prime.circuit.first_image on (fewer at the end of the test set).
std::vector<Eigen::Index> run_images(const config::Config& cfg, Eigen::Index test_size, long count);

std::unique_ptr<flow::Task> load_prime_task(const config::Config& cfg, std::ostream& warn);

// One image through the circuit.
struct CircuitImage {
  int predicted = -1;
  int steps = 0;                         // steps simulated up to the stop (T without early stop)
  bool halted = false;                   // early stop halted the transient
  double stop_time = 0;                  // simulated time the result counts to (s)
  double last_time = 0;                  // last time point ngspice computed (s)
  std::vector<Eigen::VectorXd> outputs;  // O_t (units), t = 1..steps
  Eigen::MatrixXd hidden_spikes;         // H x steps (latch decisions)
  double energy = 0;                     // J delivered by the read-pulse sources (and clocks) up to stop_time
  double supply_energy = 0;  // J drawn from the rails of transistor-level blocks (neurons, op-amps) up to stop_time
  double wall_seconds = 0;
  long time_points = 0;
};

// Simulates the image in-process (one NgspiceSession per process: the caller
// owns none). With early stop, the transient is halted by a watch on the
// output nodes at the first step whose confidence passes.
CircuitImage simulate_image(const config::Config& cfg, const SpikingNet& net, const Eigen::MatrixXf& spikes,
                            double timeout);

flow::RunOutcome run_prime(const config::Config& cfg, const LoadedModel& model, const flow::RunOptions& options,
                           std::ostream& log);

}  // namespace memcosim::tasks::prime
