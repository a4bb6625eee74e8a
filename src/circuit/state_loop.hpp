// The task-independent integrator loop: one op-amp RC integrator per state
// dimension, whose output voltage is the state, and a unity inverter for the
// negative rows the network's first crossbar needs. Every task that closes a
// network into an ODE (the diffusion solver, the neural-ODE twins) builds
// its state with add_state_loop(); what drives the integrators is the
// task's.
//
//   V(x_d) = k_state x_d, V(xn_d) = -V(x_d);
//   C dV(x_d)/dtau = -sum_k V(in_k) / R_k     (inverting)
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "circuit/blocks.hpp"
#include "circuit/ir.hpp"
#include "config/config.hpp"

namespace memcosim::circuit {

struct StateLoop {
  std::vector<IntegratorNodes> integrators;  // one per dimension
  std::vector<std::string> state_nodes;      // x_d
  std::vector<std::string> negated_nodes;    // xn_d
};

// The (node, resistor) inputs of integrator d.
using IntegratorInputs = std::function<std::vector<std::pair<std::string, double>>(int d)>;

// Adds, per dimension d < dim, the integrator "int<d>" (output x<d>, into
// block `integrators`, capacitor cc.integrator.c) and the inverter
// "xinv<d>" (output xn<d>, into block `inverters`), at the levels of
// cc.blocks.
StateLoop add_state_loop(Circuit& c, Block& integrators, Block& inverters, int dim, const IntegratorInputs& inputs,
                         const config::CircuitConfig& cc, const Environment& env);

// The transient of a closed loop: the simulator options of `sim`
// (tolerances, integration method, KLU when use_klu) and .tran over
// duration seconds with the step bounded by duration / sim.min_points.
void add_transient(Circuit& c, const config::SimulationConfig& sim, double duration, bool use_klu);

// Sets every integrator's .ic to V = volts_per_unit(d) * x0(d).
void set_state(Circuit& c, const StateLoop& loop, const std::vector<double>& volts);

}  // namespace memcosim::circuit
