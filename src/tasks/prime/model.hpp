// The PRIME model file (`memcosim train` writes it, `run` reads it): the
// fixed random weights of both layers (as drawn; the programmed RRAM
// targets), the learned masks, the LIF constants, and what training
// measured.
//
//   format: memcosim-prime-1
//   inputs, hidden, outputs, beta, threshold, output_beta, sparsity
//   layers: [{name: hidden, shape, weight, bias}, {name: output, ...}]  (bias all 0)
//   masks: {hidden: ["0110...", ...], output: [...]}   one string per row, 1 = kept
//   training: {...}   provenance (seed, accuracies, times); not read back
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "tasks/prime/network.hpp"

namespace memcosim::tasks::prime {

void write_model(const std::string& path, const SpikingNet& net, double sparsity, const nlohmann::json& training);

struct LoadedModel {
  SpikingNet net;
  double sparsity = 0;
  std::string path;
};

// Throws InputError (file:line:column, key path) listing every problem.
LoadedModel read_model(const std::string& path);

}  // namespace memcosim::tasks::prime
