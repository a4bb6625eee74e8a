// The task-independent step from a trained feed-forward network to
// crossbars, TIAs and activations (DESIGN.md §3). Every task that puts a
// network on RRAM crossbars (the diffusion solver, the neural-ODE twins)
// goes through add_network(); what closes around the network (integrators,
// schedules, drives) is the task's.
//
// The network, in the units the circuit sees:
//   h_1 = relu(W_1 a        + b_1 + sum_k e_k)       hidden layers
//   h_l = relu(W_l h_{l-1}  + b_l + sum_k e_k)
//   y   = gain (W_out h_L + b_out)                      output layer
// with a the inputs and e_k the additive inputs (fixed embeddings, class
// vectors: voltages that enter each hidden column through a resistor).
//
// Signal conventions (k = volts per unit):
//   inputs     V(pos_i) = k_in a_i, V(neg_i) = -k_in a_i   (the caller's rows)
//   hidden l   V(lL_zJ) = k_hidden z_J (TIA outputs = pre-activations)
//              V(lL_hJ) = k_hidden h_J, V(lL_hnJ) = -k_hidden h_J
//   output     V(<output_prefix>J) = -k_out y_J
//   additive   V(node) = -k_add e (the source's node; its resistor is
//              k_add / (g_unit k_in) so that it adds e to the column)
// A weight w is the conductance difference of a pair, G+ - G- = w g_unit:
// G+ on the row driven by +a, G- on the row driven by -a. Hidden layers store
// -w (their inverting TIAs then output +z); the output layer stores +w (its
// TIAs output -y). Biases are pairs on rows driven by +-v_read (nodes vbp,
// vbn: add_bias_rails()). Inputs with different scales are expressed by the
// caller as one k_in, with the first layer's columns rescaled
// (scale_columns()).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "circuit/blocks.hpp"
#include "circuit/ir.hpp"
#include "config/config.hpp"
#include "nn/score_net.hpp"
#include "util/random.hpp"

namespace memcosim::circuit {

class ReadNoise;

// How one layer's weights became conductances.
struct LayerMapping {
  Eigen::MatrixXd g_plus, g_minus;    // outputs x inputs (S), as programmed
  Eigen::VectorXd gb_plus, gb_minus;  // bias pairs (S)
  double g_unit = 0.0;                // S per unit weight
  double rf = 0.0;                    // TIA feedback resistor (ohm)
  double r_embedding = 0.0;           // additive-input resistor (ohm); 0 for the output layer
  Eigen::MatrixXd w_effective;        // weights the programmed pairs represent
  Eigen::VectorXd b_effective;
};

// Maps one layer's weights to programmed conductance pairs. sign = -1 for
// hidden layers (inverting TIAs), +1 for the output layer; k_in is the
// volts per unit of the layer's inputs. rf and r_embedding are left 0.
// Throws InputError (at circuit.crossbar.g_unit) when g_unit cannot fit.
// device_seed keys the counter-based parts of programming (absolute error,
// truncation redraws, stuck cells; see nonideal.hpp).
LayerMapping map_layer(const nn::Dense& layer, double sign, double k_in, const config::CrossbarConfig& crossbar,
                       Rng& rng, int index, const config::Locations* where = nullptr, std::uint64_t device_seed = 0);

// The layer with column i of W multiplied by factor(i): an input presented
// at factor(i) times the common volts per unit keeps its weight.
nn::Dense scale_columns(const nn::Dense& layer, const Eigen::VectorXd& factor);

// The "bias rails" block: V(vbp) = +v_read, V(vbn) = -v_read, the rows every
// crossbar's biases are programmed on.
void add_bias_rails(Circuit& c, double v_read);

// An additive input of the hidden layers: per column a source node whose
// voltage (-k_add per unit) enters the column through a resistor named
// "R<layer>_<tag>_c<column>". node(j, width) names the source of column j of
// a layer of that width.
struct AdditiveInput {
  std::string tag;
  std::function<std::string(Eigen::Index column, Eigen::Index width)> node;
};

// One layer's crossbar without its readout, for circuits that read the
// columns their own way (the spiking task's membrane integrators): the cells
// of m between the row pairs (G+ on rows[i].first, G- on rows[i].second) and
// the columns "<L>_c<j>" (L = "l<index+1>"), the bias rows vbp/vbn when
// with_bias, with wires, read noise and column thermal noise as configured in
// cc. The caller must hold every column at virtual ground. Returns the
// crossbar's block.
Block& add_crossbar(Circuit& c, int index, const LayerMapping& m,
                    const std::vector<std::pair<std::string, std::string>>& rows,
                    const std::vector<std::string>& row_names, bool with_bias, const config::CircuitConfig& cc,
                    const Environment& env, const ReadNoise* noise = nullptr);

// What the network step needs beyond the weights.
struct NetworkOptions {
  // (+a, -a) row nodes of every network input, in the order of the first
  // layer's columns, and their volts per unit.
  std::vector<std::pair<std::string, std::string>> input_rows;
  std::vector<std::string> input_names;  // one per input, for the crossbar notes
  double k_in = 0.1;
  double k_hidden = 0.1;
  double k_additive = 0.1;
  double k_out = 0.1;
  double output_gain = 1.0;
  std::vector<AdditiveInput> additive;
  std::string output_prefix = "y";  // output TIA nodes <prefix>J carry -k_out y_J
  std::string output_note;          // documentation of the output TIAs' block
  // Device variation and read noise: the programming stream, the
  // counter-based device seed and the trajectory's read noise (nullptr =
  // none; it must outlive the call only).
  std::uint64_t device_seed = 1;
  const ReadNoise* noise = nullptr;
};

struct NetworkCircuit {
  std::vector<LayerMapping> layers;
  std::vector<std::string> preactivation_nodes;  // every TIA output, hidden then output layer
  std::vector<std::string> output_nodes;         // <prefix>J
};

// Adds every layer's crossbar (with wires and read noise as configured),
// TIAs, rectifiers and row inverters to c, at the levels of cc.blocks.
// Needs add_bias_rails() to have run. Throws InputError naming the
// circuit.* key when the config cannot realise the network.
NetworkCircuit add_network(Circuit& c, const std::vector<nn::Dense>& layers, const NetworkOptions& options,
                           const config::CircuitConfig& cc, const Environment& env, Rng& programming,
                           const config::Locations* where = nullptr);

}  // namespace memcosim::circuit
