// The solver circuit with its score network settled: what every block
// computes at DC, at its level, for the circuit-equivalent reference of
// `run` (simulation.reference: circuit) and for checks against ngspice.
//
//   crossbars    the programmed conductances (levels, programming error, stuck
//                cells) and at behavioural level the sinh read I-V,
//                I = A sinh((V_row - V_g) / v0), A = G v_verify / sinh(v_verify / v0);
//   TIAs         finite gain A, input offset and output resistance: KCL at the
//                summing node V_g with V_out = -A (offset + V_g) - Rout I_out; the
//                cells' currents are linearised around V_g = 0 (|V_g| < 1e-4 V, so
//                the error is ~(V_g / v0)^2, below 1e-6 relative); output clamped
//                to the swing limits;
//   rectifiers   the behavioural rounded knee and clamp, or max(v, 0);
//   inverters    the same op-amp with two equal resistors, loaded by the cells
//                of the row they drive (one fixed-point pass), clamped;
//   integrators  the DC leak of a finite gain: C (1 + 1/A) dV_x/dtau = -sum_k (V_k - V_g) / R_k,
//                V_g = -V_x / A - offset (A = ideal_gain at ideal level);
//   multipliers  V_gain x V_in, clamped (variable_gain form).
// Not modelled: the op-amps' poles (the dynamics: what remains of the
// circuit's error against this reference), crossbar wire resistance and read
// noise (non-idealities to be measured against it).
//
// Each layer costs two matrix products per evaluation (sinh and cosh of the
// row voltages times the amplitude matrices), like the network itself.
#pragma once

#include <vector>

#include <Eigen/Core>

#include "config/config.hpp"
#include "tasks/diffusion/circuit.hpp"

namespace memcosim::tasks::diffusion {

class SettledCircuit {
 public:
  // sc must be built by build_solver() from cc; its layer mappings, scalings
  // and waveforms are copied.
  SettledCircuit(const SolverCircuit& sc, const config::CircuitConfig& cc);

  // dx/dtau (x units per second) at states x (dim x N) and physical time
  // tau: the integrators' input currents with everything else settled. The
  // reverse SDE's diffusion source is not included (it is added as forcing).
  void rate(const Eigen::MatrixXd& x, double tau, Eigen::MatrixXd& dxdt) const;

  // The settled TIA outputs (volts) of every layer for states x at time
  // tau, in the order of SolverCircuit::preactivation_nodes; rows = nodes.
  Eigen::MatrixXd preactivations(const Eigen::MatrixXd& x, double tau) const;

 private:
  struct Layer {
    Eigen::MatrixXd a_plus, a_minus;                 // cell amplitudes (A), outputs x inputs
    Eigen::VectorXd bias_current, bias_conductance;  // bias rows at +-v_read, per column
    double rf = 0, r_embedding = 0;
    bool output = false;
  };
  // TIA outputs of every layer (volts), and the score-node voltages.
  void forward(const Eigen::MatrixXd& x, double tau, std::vector<Eigen::MatrixXd>* tia_outputs,
               Eigen::MatrixXd& v_sneg) const;
  double opamp_gain(config::Level level) const;
  double opamp_offset(config::Level level) const;
  double opamp_rout(config::Level level) const;
  // Row currents drawn by cells with total amplitude `amplitude` per row
  // (rows x 1) at row voltages v (rows x N).
  Eigen::MatrixXd row_current(const Eigen::VectorXd& amplitude, const Eigen::MatrixXd& v) const;
  // A unity inverter driving rows whose cells sum to `amplitude` and a
  // resistive load `load_conductance` (to a virtual ground).
  Eigen::MatrixXd inverter(const Eigen::MatrixXd& v_in, config::Level level, const Eigen::VectorXd& amplitude,
                           double load_conductance) const;

  SolverCircuit sc_;
  config::CircuitConfig cc_;
  std::vector<Layer> layers_;
  double v_high_ = 0, v_low_ = 0;
};

}  // namespace memcosim::tasks::diffusion
