// The PRIME spiking network as a circuit (behavioural LIF neurons around the
// shared crossbar path, circuit/network.hpp).
//
// Time step t (0-based) of length D = prime.circuit.step:
//   0.1 D   input spikes of step t: read pulses +A / -A on the rows of the
//           G+ / G- cells of layer 1 (area A x pulse_width)
//   0.40 - 0.45 D  strobe: each neuron's latch follows its comparator
//           (membrane voltage > v_threshold); the decision is held after it
//   0.5 D   spiking neurons send a read pulse (same shape) into the rows of
//           the output crossbar, and their reset switch discharges the
//           membrane capacitor until 0.95 D
//   0.95 D  the output integrators hold O_t (read here, and by early stop)
// Layer 1's columns are held at virtual ground by the membrane integrators
// (op-amp, capacitor C_mem, leak resistor R_leak = D / (C_mem ln(1/beta)),
// so the membrane decays by beta per step exactly); layer 2's by the
// output integrators (C_out, no leak for output_beta = 1). Both crossbars
// store -w, so membranes and outputs are positive for positive sums.
// Volts per unit: membrane k_m = v_threshold / threshold at the decision
// instant (C_mem accounts for the leak during and after the pulse), output
// k_o = output_volts.
//
// Pruned connections: both cells of the pair are left unprogrammed in the
// off state (g_off, log-normal spread g_off_spread per cell, counter-based
// from the device seed); the access transistors are on like every cell in
// the row, so the pair leaks (G+ - G-) A into its column during every pulse
// of its row. Kept connections are programmed differential pairs through
// circuit::map_layer (programming error, quantisation, stuck cells, wires
// as configured).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "circuit/ir.hpp"
#include "circuit/network.hpp"
#include "config/config.hpp"
#include "tasks/prime/network.hpp"

namespace memcosim::tasks::prime {

// The hidden neuron's design: membrane C_mem with leak R_leak (R_leak C_mem =
// step / ln(1/beta)) around an op-amp whose inverting input is the column,
// comparator threshold, and the clock windows (fractions of the step).
struct LifDesign {
  double c_mem = 0, r_leak = 0, v_threshold = 0, step = 0;
  double strobe_start = 0.40, strobe_end = 0.45;  // the latch follows the comparator
  double reset_start = 0.5, reset_end = 0.95;     // a spiking neuron's membrane is emptied
  double edge = 0;                                // clock edges (s)
};

// The design for a layer of unit conductance g_unit and read pulses of
// prime.circuit (C_mem accounts for the leak during the pulse, so that a
// unit of input reaches v_threshold / threshold volts at the strobe).
LifDesign lif_design(const config::Config& cfg, double beta, double threshold, double g_unit);

// The clock sources of T steps (block "clocks"): clks (strobe), clko (spike
// pulse), clkr (reset). Behavioural: 0..1; transistor: vss..vdd, plus the
// strobe's complement clksb.
void add_clocks(circuit::Circuit& c, const LifDesign& d, double pulse_width, int steps, bool transistor,
                const circuit::Environment& env);

// Hidden neuron j on column `col` (held at virtual ground by its membrane
// op-amp) in block b, at the integrator level: ideal/behavioral op-amp with
// a behavioural comparator, latch and reset; transistor: the transistor
// op-amp and circuit::transistor_lif. Needs the clocks and the node "vth"
// (the threshold reference, added once per block by this function).
struct LifNodes {
  std::string membrane, latch;
  double latch_low = 0, latch_high = 1;  // the latch's off and on levels (V)
};
LifNodes add_lif_neuron(circuit::Circuit& c, circuit::Block& b, const std::string& j, const std::string& col,
                        const LifDesign& d, const config::Config& cfg, const circuit::Environment& env);

// The environment of a prime circuit (transistor models when a block is at
// transistor level).
circuit::Environment prime_environment(const config::Config& cfg);

struct PrimeCircuit {
  circuit::Circuit circuit;
  circuit::LayerMapping hidden_layer, output_layer;   // as programmed (pruned pairs at their off-state draw)
  std::vector<std::string> membrane, latch, outputs;  // node names
  double latch_low = 0, latch_high = 1;               // latch levels (V): a spike when above their midpoint
  double k_membrane = 0, k_output = 0;                // volts per unit
  double step = 0;
  int steps = 0;
  // The output of step t (0-based) is read at output_time(t).
  double output_time(int t) const { return (t + 0.95) * step; }
  double decision_time(int t) const { return (t + 0.45) * step; }
};

// The circuit of one image (its input spikes: inputs x steps). Throws
// InputError for what the config cannot realise.
PrimeCircuit build_circuit(const config::Config& cfg, const SpikingNet& net, const Eigen::MatrixXf& spikes,
                           bool use_klu);

}  // namespace memcosim::tasks::prime
