// Hardware-aware denoising score matching on the VP SDE.
//
// Per batch of data x0 (one sample per column):
//   t ~ U(t_min, 1) per sample, z ~ N(0, I),  x_t = alpha(t) x0 + sigma(t) z
//   loss = mean over samples and dimensions of (s(x_t, t) sigma(t) + z)^2
//        + activation_penalty * sum over samples, hidden layers and units of h [h > threshold]
// where h are the post-ReLU activations. The penalty is the sum of the
// values themselves (as published); its gradient is activation_penalty
// wherever h > threshold.
//
// Hardware-aware weight noise: every forward pass uses the parameters
// theta * M with one multiplier M_i = 1 + eta_i per weight and bias (class
// embedding included, Fourier frequencies excluded), eta ~ N(0, sigma^2)
// with draws |eta| >= clip replaced by uniform draws in (-clip, clip). The
// gradient reaches the clean parameters through the multiplier:
// dL/dtheta = dL/d(theta * M) * M.
//
// Optimiser, as PyTorch's training loop does it: gradient-norm clipping
// (clip_grad_norm_), then coupled L2 weight decay g += weight_decay * theta,
// then Adam; after each step an exponential moving average of the
// parameters, initialised with the initial parameters, whose value is the
// result of training.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include <Eigen/Core>

#include "nn/score_net.hpp"
#include "sde/schedule.hpp"
#include "util/random.hpp"

namespace memcosim::nn {

struct WeightNoise {
  bool enabled = true;
  double sigma = 0.1;  // std of eta, >= 0
  double clip = 0.2;   // draws with |eta| >= clip are replaced by U(-clip, clip); > 0
};

// Fills m with weight-noise multipliers 1 + eta (all ones when disabled) and
// returns how many draws were replaced because |eta| >= clip.
Eigen::Index sample_weight_noise(const WeightNoise& noise, Rng& rng, Eigen::Ref<Eigen::VectorXd> m);

struct TrainOptions {
  int epochs = 10000;           // passes over the data set, >= 1
  int batch_size = 512;         // samples per step, >= 1; the last partial batch is used too
  double learning_rate = 2e-4;  // Adam step size, > 0 (the initial one with a cosine schedule)
  // Learning-rate schedule over all optimiser steps: constant, or cosine
  // decay from learning_rate to learning_rate_final.
  enum class LrSchedule { constant, cosine };
  LrSchedule lr_schedule = LrSchedule::constant;
  double learning_rate_final = 0.0;  // >= 0, <= learning_rate; used by cosine
  double adam_beta1 = 0.9;           // in [0, 1)
  double adam_beta2 = 0.999;         // in [0, 1)
  double adam_eps = 1e-8;            // > 0
  double weight_decay = 3e-5;        // coupled L2 (PyTorch Adam weight_decay), >= 0
  double grad_clip = 0.1;            // max global gradient 2-norm; 0 = no clipping
  double ema_decay = 0.999;          // EMA of the parameters, in [0, 1); 0 = keep the last iterate
  double t_min = 1e-5;               // t ~ U(t_min, 1), in (0, 1)
  WeightNoise weight_noise;
  double activation_threshold = 1.5;  // penalised post-ReLU values are those above it
  double activation_penalty = 1e-7;   // weight of the activation penalty, >= 0
  double class_dropout = 0.1;         // probability that a label is masked (conditional nets), in [0, 1]
  sde::VpSchedule schedule;           // the SDE whose marginals define x_t
  std::uint64_t seed = 1;             // master seed of every random stream
  bool initialize = true;             // re-initialise the network from the seed; false = continue from its parameters

  // Throws std::invalid_argument naming every violated rule.
  void validate() const;
};

struct TrainResult {
  std::vector<double> epoch_loss;  // per epoch: the total batch losses (score matching + penalty)
                                   // during training, weighted by batch size
  double final_loss = 0.0;         // epoch_loss.back()
  long steps = 0;                  // optimiser steps taken
  double seconds = 0.0;            // wall-clock time of the training loop
};

// Trains net on data (input_dim x n, one sample per column). labels: nullptr
// for an unconditional network, else n labels in [0, C) (required iff C > 0).
// progress(epoch, mean_loss) is called after every epoch (epoch counts from
// 1; may be empty). Random streams derive_seed(seed, purpose) with purposes
// "init", "shuffle", "time", "noise", "weight-noise", "class-dropout".
// Deterministic: the same net, data, labels and options give bit-identical
// parameters. On return net holds the EMA parameters (or the last iterate
// when ema_decay == 0). Throws std::invalid_argument for invalid inputs.
TrainResult train(ScoreNet& net, const Eigen::MatrixXd& data, const std::vector<int>* labels, const TrainOptions& opt,
                  const std::function<void(int, double)>& progress = {});

struct LossTerms {
  double total = 0.0;           // score_matching + activation_penalty * penalty_sum
  double score_matching = 0.0;  // mean of (s sigma + z)^2
  double penalty_sum = 0.0;     // sum of the post-ReLU values above the threshold
};

// The training objective of one batch, exactly as train() evaluates it, with
// given t (n), z (input_dim x n) and weight-noise multipliers (nullptr = none,
// else num_params() values in the flat parameter order). labels: nullptr for
// unconditional nets, else n labels in [0, C) or -1 (masked). Uses
// opt.schedule, opt.activation_threshold and opt.activation_penalty. If
// gradient is not null it receives dL/dtheta (num_params() values).
LossTerms loss_and_gradient(const ScoreNet& net, const Eigen::Ref<const Eigen::MatrixXd>& x0,
                            const Eigen::Ref<const Eigen::VectorXd>& t, const Eigen::Ref<const Eigen::MatrixXd>& z,
                            const std::vector<int>* labels, const Eigen::VectorXd* multipliers, const TrainOptions& opt,
                            Eigen::VectorXd* gradient);

}  // namespace memcosim::nn
