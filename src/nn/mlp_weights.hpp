// Weight files of a plain MLP (nn::Mlp), as human-readable, versioned YAML
// (the same conventions as the score network's, src/nn/weights.hpp):
//
//   format: memcosim-mlp
//   version: 1
//   architecture: {input_dim, hidden: [..], output_dim, activation: relu}
//   normalization: {input_offset: [..], input_scale: [..], output_scale: [..]}
//   system: {kind: hp_memristor, description: "...", parameters: {r_on: 100, ...}}   # optional
//   layers:                                   # hidden1 .. hiddenL, output (normalised units)
//     - {name: hidden1, shape: [16, 2], weight: [[..], ..], bias: [..]}
//   training: {config, seed, derivative_epochs, trajectory_steps, steps, derivative_loss,
//              trajectory_loss, train_seconds, dataset, memcosim_version}           # optional
//
// Numbers are the shortest decimal text that reads back bit-exact. Unknown
// keys are errors; every problem is reported with file:line:column and key.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "nn/mlp.hpp"

namespace memcosim::nn {

// What the network was trained for and how. Every field optional in a file.
struct MlpProvenance {
  std::string system;                                             // e.g. "hp_memristor"
  std::string system_description;                                 // human-readable, with the parameter values
  std::vector<std::pair<std::string, double>> system_parameters;  // in file order
  std::string config;
  std::uint64_t seed = 0;
  int derivative_epochs = 0;
  int trajectory_steps = 0;
  long steps = 0;
  double derivative_loss = 0.0;  // last epoch of stage 1
  double trajectory_loss = 0.0;  // last step of stage 2
  double train_seconds = 0.0;
  std::string dataset;
  std::string memcosim_version = MEMCOSIM_VERSION;
  bool operator==(const MlpProvenance&) const = default;
};

// Throws std::invalid_argument for non-finite values or scales <= 0,
// memcosim::Error if the file cannot be written.
void save_mlp(const std::string& path, const Mlp& net, const MlpProvenance& provenance);

struct LoadedMlp {
  Mlp net;
  MlpProvenance provenance;
};

// Reads and validates; throws memcosim::InputError listing every problem
// (file:line:column, key path such as layers[1].weight[3][2]).
LoadedMlp load_mlp(const std::string& path);

}  // namespace memcosim::nn
