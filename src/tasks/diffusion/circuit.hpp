// The analogue solver circuit of DESIGN.md §3: a closed loop of RRAM
// crossbars computing the score network, TIAs, rectifiers and op-amp RC
// integrators whose output voltages are the state x.
//
// The network's crossbars, TIAs and rectifiers come from the task-independent
// network step (network.hpp), the integrators and state inverters from the
// task-independent state loop (state_loop.hpp); this file adds what is the
// diffusion task's: the time-embedding and schedule sources, the schedule
// multipliers, the reverse SDE's diffusion sources.
//
// Signal conventions (k = volts per unit, from circuit.scaling):
//   state      V(x_d)      =  k_state  x_d      (integrator outputs, layer-1 rows)
//              V(xn_d)     = -k_state  x_d      (inverters: the negative rows)
//   hidden l   V(l_z_j)    =  k_hidden z_j      (TIA outputs = pre-activations)
//              V(l_h_j)    =  k_hidden h_j,  V(l_hn_j) = -k_hidden h_j
//   score      V(sneg_d)   = -k_score  s_d      (output-layer TIAs)
// A weight w is the conductance difference of a pair, G+ - G- = w g_unit:
// G+ sits on the row driven by +a, G- on the row driven by -a. Hidden layers
// store -w (their inverting TIAs then output +z); the output layer stores +w
// (its TIAs output -s, which the inverting integrators need). Biases are
// pairs on rows driven by +-v_read; the time embedding is a current
// V(dac)/R_emb into each column.
//
// Integrators (tau0 = circuit.integrator.r * c):
//   time_warp:      dV(x)/dtau = (k_state / tau0) (x + s)      -> dx/du = x + s, u = tau / tau0
//   variable_gain:  dV(x)/dtau = (m(tau) k_state / tau0) (x + s), m = beta(t)/beta_max
// with t(tau) given by diffusion_time(). Both integrate the probability-flow
// ODE of the sampling schedule from t_start to t_end.
//
// Reverse SDE (SolverOptions::brownian set): the score resistors are halved
// (drift x + 2 s) and each integrator receives the diffusion term through a
// capacitor C (= the integrator's) from a PWL source V(bw_d) = -k_state Y_d(tau),
// which adds exactly k_state dY_d to V(x_d):
//   dx = (m(tau) / tau0) (x + 2 s) dtau + dY,
// Y the piecewise-linear path through Y_k = sum_{m<k} sqrt(beta(t_m)) dW_m
// at tau_k = tau(t_k), dW the Brownian increments of the software sampler's
// grid t_k (the same increments its Euler-Maruyama steps add). The PWL corners
// are simulator breakpoints; between them the forcing dY/dtau is constant.
// Device non-idealities (programming, stuck cells, read noise, wires):
// circuit/nonideal.hpp.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "circuit/blocks.hpp"
#include "circuit/dac.hpp"
#include "circuit/ir.hpp"
#include "circuit/network.hpp"
#include "circuit/state_loop.hpp"
#include "config/config.hpp"
#include "nn/score_net.hpp"
#include "sde/brownian.hpp"
#include "sde/schedule.hpp"
#include "util/random.hpp"

namespace memcosim::tasks::diffusion {

// The grid points (indices) that stay corners of the diffusion source: the
// first and the last, and in between none closer than min_spacing to the
// previous one or to the last. times: physical time of every grid point,
// increasing.
std::vector<std::size_t> diffusion_corners(const std::vector<double>& times, double min_spacing);

// The diffusion path of one trajectory (dim x (K + 1), x units): Y_0 = 0,
// Y_{k+1} = Y_k + sqrt(beta(t_k)) dW_k with dW_k the path's increments of
// `sample` over its grid t_0 = t_start > ... > t_K = t_end.
Eigen::MatrixXd diffusion_path(const sde::BrownianPath& path, const sde::VpSchedule& sampling, std::uint64_t sample,
                               int dim);

struct SolverCircuit {
  circuit::Circuit circuit;  // initial conditions set per sample by set_start()
  int dim = 0;
  std::vector<std::string> state_nodes;               // x_d
  std::vector<circuit::IntegratorNodes> integrators;  // one per dimension
  std::vector<std::string> preactivation_nodes;       // every TIA output (hidden and score)
  std::vector<std::string> saved_nodes;               // what the netlist .saves
  std::vector<circuit::LayerMapping> layers;

  config::ScheduleForm form = config::ScheduleForm::time_warp;
  sde::VpSchedule schedule;  // the sampling schedule (trained x beta_scale)
  double t_start = 1.0, t_end = 1e-4;
  double k_state = 0, k_hidden = 0, k_score = 0;
  double tau0 = 0;               // integrator time constant (s)
  double duration = 0;           // physical time from t_start to t_end (s)
  double v_high = 0, v_low = 0;  // signal limits the rail check uses

  // Embedding waveforms in units of e (not volts): sin_k and cos_k, k < E/2.
  // Empty when the sources are ideal (dac.points = 0).
  std::vector<circuit::Waveform> emb_sin, emb_cos;
  circuit::Waveform gain_wave;  // m(tau) samples (variable_gain with a DAC)
  Eigen::VectorXd frequencies;  // for ideal sources
  // The class embedding k(c) the DC sources apply (width E); empty for an
  // unconditional network.
  Eigen::VectorXd class_embedding;

  // Reverse SDE: the drift is x + score_weight s (1: PF-ODE, 2: reverse
  // SDE); diffusion_times (tau_k, increasing) and diffusion_values (dim x
  // (K + 1), Y at tau_k) are the path the integrators receive; empty for the
  // PF-ODE.
  double score_weight = 1.0;
  std::vector<double> diffusion_times;
  Eigen::MatrixXd diffusion_values;
  // The Brownian grid index of each corner (diffusion_times[j] is the
  // physical time of grid point diffusion_corners[j]).
  std::vector<std::size_t> diffusion_corners;
  // R C of the source's series resistor and coupling capacitor (s): the
  // integrators receive Y low-passed with this time constant; 0 = none.
  double diffusion_rc = 0.0;
  // Whether the netlist differs between trajectories beyond the .ic (read
  // noise or a Brownian path): then build one circuit per trajectory.
  bool per_trajectory = false;

  // Diffusion time at physical time tau.
  double diffusion_time(double tau) const;
  // The embedding vector (width E) the DACs apply at physical time tau.
  Eigen::VectorXd embedding(double tau) const;
  // The integrator gain factor m(tau): 1 for time_warp.
  double gain(double tau) const;
  // Physical time at diffusion time t (inverse of diffusion_time()).
  double physical_time(double t) const;

  // Sets the integrators' .ic to V = k_state * x0.
  void set_start(const Eigen::Ref<const Eigen::VectorXd>& x0);
};

struct SolverOptions {
  config::CircuitConfig circuit;
  config::SimulationConfig simulation;
  double t_start = 1.0, t_end = 1e-4;  // (circuit.diffusion.points is read from `circuit`)
  int class_index = -1;                // conditional networks: the class, -1 = masked
  bool use_klu = false;                // write ".options klu"
  std::uint64_t seed = 1;              // device variation and read noise (programming error, stuck cells, traps)
  std::string title = "memcosim ring solver";
  // Models and measured access-transistor I-V (flow/transistor.hpp); needed
  // when a block is at transistor level.
  std::shared_ptr<const circuit::TransistorEnvironment> transistor;
  // Reverse SDE: the Brownian path (on the diffusion-time grid of the
  // software sampler) whose sample `trajectory` drives the integrators;
  // nullptr = PF-ODE. Must outlive build_solver() only.
  const sde::BrownianPath* brownian = nullptr;
  // The trajectory whose read noise and Brownian increments go into the netlist.
  std::uint64_t trajectory = 0;
};

// Builds the circuit for a trained network and a sampling schedule. Throws
// InputError (naming the circuit.* key) when the config cannot realise the
// network, e.g. a g_unit that pushes weights past g_max.
SolverCircuit build_solver(const nn::ScoreNet& net, const sde::VpSchedule& sampling, const SolverOptions& options,
                           const config::Locations* where = nullptr);

}  // namespace memcosim::tasks::diffusion
