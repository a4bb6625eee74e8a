// Weight files: a trained score network with its schedule and provenance,
// as human-readable, versioned YAML.
//
//   format: memcosim-score-network
//   version: 1
//   architecture: {input_dim, hidden: [..], output_dim, num_classes, output_gain, embedding_scale}
//   schedule: {kind: vp-linear, beta_min, beta_max}      # the schedule used in training
//   time_embedding: {frequencies: [w_0 ..]}              # E/2 values, without the 2 pi
//   layers:                                              # hidden1 .. hiddenL, output
//     - name: hidden1
//       shape: [14, 2]                                   # [outputs, inputs]
//       weight:                                          # one row per output neuron
//         - [w00, w01]
//         ...
//       bias: [b0 ..]
//   class_embedding:                                     # only when num_classes > 0
//     - {name: class1, shape: [E, C], weight, bias}      # Linear(C, E)
//     - {name: class2, shape: [E, E], weight, bias}      # Linear(E, E)
//   provenance: {config, seed, epochs, steps, final_loss, train_seconds, dataset, memcosim_version}
//
// Numbers are written as the shortest decimal text that reads back as the
// same double (std::to_chars), so save -> load is bit-exact. Every key but
// provenance (and class_embedding for unconditional nets) is required;
// unknown keys are errors, so that misspelt keys never go unnoticed.
#pragma once

#include <cstdint>
#include <string>

#include "nn/score_net.hpp"
#include "sde/schedule.hpp"

namespace memcosim::nn {

// Where a network came from. All fields are optional in a file.
struct Provenance {
  std::string config;      // the config (file name or description) it was trained from
  std::uint64_t seed = 0;  // TrainOptions::seed
  int epochs = 0;
  long steps = 0;           // optimiser steps
  double final_loss = 0.0;  // TrainResult::final_loss
  double train_seconds = 0.0;
  std::string dataset;  // description of the training data
  std::string memcosim_version = MEMCOSIM_VERSION;

  bool operator==(const Provenance&) const = default;
};

// Writes the network. Throws std::invalid_argument if a parameter, frequency
// or the schedule is not finite, memcosim::Error if the file cannot be written.
void save_weights(const std::string& path, const ScoreNet& net, const sde::VpSchedule& trained_schedule,
                  const Provenance& provenance);

struct LoadedModel {
  ScoreNet net;
  sde::VpSchedule schedule;
  Provenance provenance;
};

// Reads and validates a weight file. Throws memcosim::InputError listing
// every problem found (file:line:column, key path such as
// layers[1].weight[3][2], expected vs got): missing file, YAML syntax,
// format/version, missing or unknown keys, shapes, non-numeric or
// non-finite numbers, an invalid architecture or one the layers contradict.
LoadedModel load_weights(const std::string& path);

}  // namespace memcosim::nn
