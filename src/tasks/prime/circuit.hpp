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

struct PrimeCircuit {
  circuit::Circuit circuit;
  circuit::LayerMapping hidden_layer, output_layer;  // as programmed (pruned pairs at their off-state draw)
  std::vector<std::string> membrane, latch, outputs;  // node names
  double k_membrane = 0, k_output = 0;  // volts per unit
  double step = 0;
  int steps = 0;
  // The output of step t (0-based) is read at output_time(t).
  double output_time(int t) const { return (t + 0.95) * step; }
  double decision_time(int t) const { return (t + 0.45) * step; }
};

// The circuit of one image (its input spikes: inputs x steps). Throws
// InputError for what the config cannot realise (a transistor-level block:
// not available for this task yet).
PrimeCircuit build_circuit(const config::Config& cfg, const SpikingNet& net, const Eigen::MatrixXf& spikes,
                           bool use_klu);

}  // namespace memcosim::tasks::prime
