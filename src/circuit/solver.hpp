// The analogue solver circuit of DESIGN.md §3: a closed loop of RRAM
// crossbars computing the score network, TIAs, rectifiers and op-amp RC
// integrators whose output voltages are the state x.
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
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "circuit/blocks.hpp"
#include "circuit/ir.hpp"
#include "config/config.hpp"
#include "nn/score_net.hpp"
#include "sde/schedule.hpp"
#include "util/random.hpp"

namespace memcosim::circuit {

// A source waveform as the netlist gives it: piecewise linear through
// (t, v), constant outside. The reference evaluates the same points.
struct Waveform {
  std::vector<double> t, v;
  double at(double time) const;
};

// How one layer's weights became conductances.
struct LayerMapping {
  Eigen::MatrixXd g_plus, g_minus;    // outputs x inputs (S), as programmed
  Eigen::VectorXd gb_plus, gb_minus;  // bias pairs (S)
  double g_unit = 0.0;                // S per unit weight
  double rf = 0.0;                    // TIA feedback resistor (ohm)
  double r_embedding = 0.0;           // embedding current resistor (ohm); 0 for the output layer
  Eigen::MatrixXd w_effective;        // weights the programmed pairs represent
  Eigen::VectorXd b_effective;
};

// Maps one layer's weights to programmed conductance pairs. sign = -1 for
// hidden layers (inverting TIAs), +1 for the output layer; k_in is the
// volts per unit of the layer's inputs. rf and r_embedding are left 0.
// Throws InputError (at circuit.crossbar.g_unit) when g_unit cannot fit.
LayerMapping map_layer(const nn::Dense& layer, double sign, double k_in, const config::CrossbarConfig& crossbar,
                       Rng& rng, int index, const config::Locations* where = nullptr);

struct SolverCircuit {
  Circuit circuit;  // initial conditions set per sample by set_start()
  int dim = 0;
  std::vector<std::string> state_nodes;           // x_d
  std::vector<IntegratorNodes> integrators;       // one per dimension
  std::vector<std::string> preactivation_nodes;   // every TIA output (hidden and score)
  std::vector<std::string> saved_nodes;           // what the netlist .saves
  std::vector<LayerMapping> layers;

  config::ScheduleForm form = config::ScheduleForm::time_warp;
  sde::VpSchedule schedule;  // the sampling schedule (trained x beta_scale)
  double t_start = 1.0, t_end = 1e-4;
  double k_state = 0, k_hidden = 0, k_score = 0;
  double tau0 = 0;      // integrator time constant (s)
  double duration = 0;  // physical time from t_start to t_end (s)
  double v_high = 0, v_low = 0;  // signal limits the rail check uses

  // Embedding waveforms in units of e (not volts): sin_k and cos_k, k < E/2.
  // Empty when the sources are ideal (dac.points = 0).
  std::vector<Waveform> emb_sin, emb_cos;
  Waveform gain_wave;             // m(tau) samples (variable_gain with a DAC)
  Eigen::VectorXd frequencies;    // for ideal sources
  // The class embedding k(c) the DC sources apply (width E); empty for an
  // unconditional network.
  Eigen::VectorXd class_embedding;

  // Diffusion time at physical time tau.
  double diffusion_time(double tau) const;
  // The embedding vector (width E) the DACs apply at physical time tau.
  Eigen::VectorXd embedding(double tau) const;
  // The integrator gain factor m(tau): 1 for time_warp.
  double gain(double tau) const;

  // Sets the integrators' .ic to V = k_state * x0.
  void set_start(const Eigen::Ref<const Eigen::VectorXd>& x0);
};

struct SolverOptions {
  config::CircuitConfig circuit;
  config::SimulationConfig simulation;
  double t_start = 1.0, t_end = 1e-4;
  int class_index = -1;       // conditional networks: the class, -1 = masked
  bool use_klu = false;       // write ".options klu"
  std::uint64_t seed = 1;     // programming error
  std::string title = "memcosim ring solver";
  // Models and measured access-transistor I-V (flow/transistor.hpp); needed
  // when a block is at transistor level.
  std::shared_ptr<const TransistorEnvironment> transistor;
};

// Builds the circuit for a trained network and a sampling schedule. Throws
// InputError (naming the circuit.* key) when the config cannot realise the
// network, e.g. a g_unit that pushes weights past g_max.
SolverCircuit build_solver(const nn::ScoreNet& net, const sde::VpSchedule& sampling, const SolverOptions& options,
                           const config::Locations* where = nullptr);

}  // namespace memcosim::circuit
