// The neural field's inference circuit: coordinates in, attenuation out, all
// DC (feed-forward: every pixel is one operating point).
//
//   coordinate DACs  V(px) = k_in x, V(pxn) = -k_in x (likewise py, pyn)
//   encoder crossbar m columns; entry B_ij is the pair G+_ij (row p_i), G-_ij
//                    (row p_in), both programmed to g_nominal (the spread is B);
//                    column current (G+ - G-) k_in p; the TIA (Rf_enc) gives
//                    V(enc_zj) = -k_phase (B p)_j
//   sin/cos          behavioural sources: V(sj) = k_in sin(2 pi (B p)_j),
//                    V(cj) = k_in cos(2 pi (B p)_j), and their negatives snj, cnj
//                    (read from V(enc_zj) / -k_phase). They are behavioural at
//                    every level: memcosim has no transistor-level sine; an
//                    analogue sine shaper is the open hardware question here.
//   MLP              the shared network path (circuit::add_network): crossbars
//                    of differential pairs, TIAs, rectifiers, inverters, at the
//                    levels of circuit.blocks; output V(fneg0) = -k_out f.
// The HAQ cells of a weight (n binary cells in parallel in one column of the
// pair) conduct the sum of their conductances at ideal level and, since
// parallel sinh cells on the same voltage add their amplitudes, at
// behavioural level too: the network is placed with one cell per side whose
// conductance is that sum (the programmed, noisy HAQ weights).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "circuit/ir.hpp"
#include "circuit/network.hpp"
#include "config/config.hpp"
#include "nn/mlp.hpp"
#include "tasks/field/model.hpp"

namespace memcosim::tasks::field {

struct FieldCircuitOptions {
  config::CircuitConfig circuit;
  config::SimulationConfig simulation;
  config::FieldCircuitConfig field;
  config::FieldEncoderConfig encoder;
  double k_hidden = 0.1;
  std::uint64_t seed = 1;  // device variation of the MLP crossbars (add_network)
  std::string title = "memcosim neural field";
};

struct FieldCircuit {
  circuit::Circuit circuit;
  std::string source_x = "vcx", source_y = "vcy";  // coordinate DAC sources (names as ngspice sees them)
  std::string output = "fneg0";                    // V = -k_out f
  std::vector<std::string> phase_nodes;            // V(enc_zj) = -k_phase (B p)_j
  double k_in = 0, k_out = 0, k_phase = 0, k_hidden = 0;
  double rf_encoder = 0;
  std::vector<circuit::LayerMapping> layers;
  // Source voltages for the coordinate p, and f from the output voltage.
  double volts(double coordinate) const { return k_in * coordinate; }
  double attenuation(double v_output) const { return -v_output / k_out; }
};

// The circuit for the encoder and the network (the field's MLP, as programmed)
// with the coordinate sources at (0, 0). Throws InputError naming the
// circuit.* key when the config cannot realise it.
FieldCircuit build_field_circuit(const Encoder& encoder, const nn::Mlp& net, const FieldCircuitOptions& options,
                                 const config::Locations* where = nullptr);

// k_hidden for the circuit: row_swing over the largest hidden activation of
// the network on the given points (2 x N).
double hidden_scale(const Field& f, const Eigen::MatrixXd& points, double row_swing);

}  // namespace memcosim::tasks::field
