// Reference solver for the clocked leaky integrate-and-fire neuron of task
// prime (the circuit: tasks/prime/circuit.hpp), in continuous time:
//
//   C dV/dt = I(t) - V / R_leak                 (V: membrane, I: input current)
//
// I(t) piecewise linear. Time step k (length D) has a strobe: the neuron
// spikes in step k when V((k + strobe) D) > threshold (the latch takes the
// comparator's decision at the end of the strobe). A spiking neuron's reset
// switch closes over [(k + reset_start) D, (k + reset_end) D]: there
//
//   C dV/dt = I(t) - V / R_leak - V / R_reset,
//
// so V decays to 0 with time constant R_reset C (R_reset = 0: V is set to 0
// at reset_start and held there, the ideal switch). Events: every crossing
// of the threshold by V (what the comparator sees), located on the dense
// output of the adaptive stepper by bisection.
//
// The right-hand side is smooth between consecutive corners of I and clock
// edges; the stepper is restarted at every such corner (as in
// forced_ode.hpp), so no step straddles a discontinuity.
#pragma once

#include <span>
#include <vector>

#include "reference/ode_solver.hpp"

namespace memcosim::reference {

struct LifNeuronModel {
  double c = 0;          // membrane capacitance (F)
  double r_leak = 0;     // leak (ohm)
  double threshold = 0;  // V
  double r_reset = 0;    // closed reset switch (ohm); 0 = ideal
  double step = 0;       // D (s)
  double strobe = 0.45;  // decision instant, fraction of the step
  double reset_start = 0.5, reset_end = 0.95;
};

struct LifCrossing {
  double time = 0;
  bool upward = true;
};

struct LifSolution {
  std::vector<bool> spikes;            // per step
  std::vector<LifCrossing> crossings;  // threshold crossings in time order
  std::vector<double> observed;        // V at the observation times
  OdeStats stats;
};

// Integrates `steps` steps from V(0) = v0. current_t / current_i: corners of
// I (A), times strictly increasing from 0; I is held at its last value after
// the last corner. observe_times: increasing, inside [0, steps D]. Uses the
// dopri5 dense output with the tolerances of `options` (its stepper field is
// ignored); crossing times are bisected to 1e-6 of the step. Throws
// std::invalid_argument for inconsistent input.
LifSolution solve_lif_neuron(const LifNeuronModel& model, const std::vector<double>& current_t,
                             const std::vector<double>& current_i, int steps, double v0,
                             std::span<const double> observe_times, const OdeOptions& options);

}  // namespace memcosim::reference
