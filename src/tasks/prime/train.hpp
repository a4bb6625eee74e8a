// Data loading, training and evaluation of the PRIME spiking network.
//
// Topology training (PRIME, after edge-popup): the weights stay the fixed
// random draw; every connection has a score, the forward pass keeps the top
// (1 - sparsity) of each layer by |score|, and the backward pass sends the
// gradient of the masked weight straight through the top-k to the score:
// dL/ds = dL/d(W.M) . W . sign(s). Spikes get the rectangular surrogate
// gradient ds/dU = 1/(2a) for |U - threshold| < a; the reset term (1 - s)
// is treated as a constant in back-propagation through time. Loss: cross
// entropy of softmax(O_T). Optimiser: Adam (training.adam constants).
//
// The weight-trained network (for context) has the same shape and forward
// pass without masks and trains W1, W2 from the same random start.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <vector>

#include <Eigen/Core>

#include "config/config.hpp"
#include "tasks/prime/data.hpp"
#include "tasks/prime/network.hpp"

namespace memcosim::tasks::prime {

struct Dataset {
  Eigen::MatrixXf pixels;  // inputs x images, in [0, 1], down-sampled
  std::vector<int> labels;
  int rows = 0, cols = 0;
};

// The training or test split of a config's prime.data (down-sampled, limited
// to train_limit / test_limit when given). Errors name the file and the
// config key that named it.
Dataset load_split(const config::Config& cfg, bool train);

// The input spikes of image `index` of a split (pixels x steps).
Eigen::MatrixXf image_spikes(const config::Config& cfg, const Dataset& d, Eigen::Index index, bool train,
                             std::uint64_t epoch = 0);

// Top-k mask of a score matrix: ones at the round((1 - sparsity) size)
// largest |score| (ties: the lower column-major index wins).
Eigen::MatrixXf top_k_mask(const Eigen::MatrixXf& score, double sparsity);

enum class TrainMode { topology, weights };

struct TrainLog {
  int epoch = 0;
  double loss = 0, train_accuracy = 0, seconds = 0;
};

struct TrainOutcome {
  SpikingNet net;
  std::vector<TrainLog> epochs;
  double seconds = 0;
};

// Trains from `start` (topology: scores from derive_seed(seed,
// "prime-scores"); weights: the start's weights) for the configured epochs;
// one line per epoch to log. Deterministic for a seed.
TrainOutcome train(const config::Config& cfg, const SpikingNet& start, const Dataset& data, TrainMode mode,
                   std::ostream& log);

struct Evaluation {
  long images = 0;
  double accuracy_full = 0;                            // after all T steps
  double accuracy_early = 0;                           // at the early-stop step
  double mean_steps = 0;                               // steps run per image with early stop
  double steps_saved = 0;                              // 1 - mean_steps / T
  double input_spikes = 0, hidden_spikes = 0;          // per image, all T steps
  double input_spikes_run = 0, hidden_spikes_run = 0;  // per image, up to the stop
  double load_saved = 0;                               // 1 - synaptic operations run / all (spikes x fan-out)
};

// Runs every image of d (the test split) through net with the config's
// early stop.
Evaluation evaluate(const config::Config& cfg, const SpikingNet& net, const Dataset& d);

}  // namespace memcosim::tasks::prime
