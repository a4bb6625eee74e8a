// The neural-ODE twin's circuit (DESIGN.md §7.1): the trained vector field
// dx/dt = f(x, u) on crossbars (the shared network step,
// circuit/network.hpp), closed through the shared integrator loop
// (circuit/state_loop.hpp), with the drive u from DACs.
//
// Signal conventions (per dimension d, per drive k; volts per unit):
//   state   V(x_d)   = ks_d x_d,  V(xn_d) = -ks_d x_d
//   drive   V(drv_k) = ku_k u_k,  V(drvn_k) = -ku_k u_k   (a differential DAC)
//   hidden  V(lL_hJ) = k_hidden h_J
//   rate    V(fneg_d) = -kf_d f_d                       (output TIAs)
// The first layer's columns are rescaled so that every input is presented
// at one common volts per unit (circuit::scale_columns), the output layer's
// rows so that output d comes out at kf_d. Model time t runs at
// tau = T t, T = circuit.integrator.r * circuit.integrator.c (seconds per
// unit of model time); integrator d takes fneg_d through
// R_d = circuit.integrator.r kf_d / ks_d:
//   C dV(x_d)/dtau = -V(fneg_d) / R_d  =>  dx_d/dt = f_d(x, u).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "circuit/dac.hpp"
#include "circuit/ir.hpp"
#include "circuit/network.hpp"
#include "circuit/state_loop.hpp"
#include "config/config.hpp"
#include "nn/score_net.hpp"

namespace memcosim::tasks::twin {

// Volts per unit of every signal of the twin's circuit.
struct TwinScaling {
  Eigen::VectorXd state;  // ks_d, one per state dimension
  Eigen::VectorXd drive;  // ku_k, one per drive input (empty: autonomous)
  Eigen::VectorXd rate;   // kf_d, one per state dimension
  double hidden = 0.1;    // k_hidden
};

struct TwinCircuitOptions {
  config::CircuitConfig circuit;
  config::SimulationConfig simulation;
  double duration = 1.0;                  // model time of one run
  std::vector<circuit::Waveform> drives;  // u_k(t) in model time, as the DAC holds it (one per drive input)
  bool use_klu = false;
  std::uint64_t seed = 1;        // device variation and read noise
  std::uint64_t trajectory = 0;  // whose read noise goes into the netlist
  std::string title = "memcosim neural-ODE twin";
  std::vector<std::string> header;  // extra comment lines (what system, what network)
  std::shared_ptr<const circuit::TransistorEnvironment> transistor;
};

struct TwinCircuit {
  circuit::Circuit circuit;
  int dim = 0;
  circuit::StateLoop loop;
  std::vector<circuit::LayerMapping> layers;
  std::vector<std::string> preactivation_nodes;
  std::vector<std::string> saved_nodes;
  TwinScaling scaling;
  double time_scale = 0;  // T: seconds of circuit time per unit of model time
  double duration = 0;    // physical time of the run (s)
  double v_high = 0, v_low = 0;
  bool per_trajectory = false;  // read noise: one netlist per trajectory

  // Sets the integrators' .ic to V(x_d) = ks_d x0_d.
  void set_start(const Eigen::Ref<const Eigen::VectorXd>& x0);
};

// Builds the circuit for the vector field given as raw layers (the network
// on unnormalised inputs [x; u], ReLU hidden layers, linear output f). Throws
// InputError naming the circuit.* key when the config cannot realise it.
TwinCircuit build_twin_circuit(const std::vector<nn::Dense>& layers, int dim, const TwinScaling& scaling,
                               const TwinCircuitOptions& options, const config::Locations* where = nullptr);

}  // namespace memcosim::tasks::twin
