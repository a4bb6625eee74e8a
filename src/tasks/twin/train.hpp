// Training of a digital twin dx/dt = f(x, u) from records of the true
// system (no access to the true right-hand side).
//
// Stage 1, derivative matching: the derivatives are 4th-order central
// differences of the densely sampled records,
//   dx/dt(t_j) ~ (-x_{j+2} + 8 x_{j+1} - 8 x_{j-1} + x_{j-2}) / (12 dt),
// at samples whose stencil does not cross a DAC corner (the held drive
// jumps there, so the derivative does too). Loss: mean over samples and
// components of ((f(x_j, u_j) - dxdt_j) / output_scale)^2.
//
// Stage 2, trajectory fitting (multiple shooting): windows of `window` RK4
// steps of stride * dt are cut from the records (start at a recorded
// sample; the drive of each step is the recorded one at its start, which is
// the held DAC value when the DAC period is a multiple of the step); loss: mean over windows, steps and components of
// ((x_rk4(t_k) - x_rec(t_k)) / state_scale)^2; the gradient is propagated
// back through every RK4 stage with the network's vector-Jacobian product.
//
// Both stages use Adam (nn::AdamState) with gradient-norm clipping, coupled
// weight decay and the hardware-aware multiplicative weight noise of the
// diffusion training (nn::sample_weight_noise, one draw per step).
// Deterministic for a seed.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "nn/mlp.hpp"
#include "nn/optimizer.hpp"
#include "nn/train.hpp"

namespace memcosim::tasks::twin {

// Records of one system: each record is sampled every dt from t = 0.
struct Records {
  double dt = 0.01;
  double update_period = 0;        // DAC period of the held drive (0 = continuous)
  std::vector<Eigen::MatrixXd> x;  // per record: dim x T
  std::vector<Eigen::MatrixXd> u;  // per record: input_dim x T (0 x T when autonomous)
  int dim() const { return x.empty() ? 0 : static_cast<int>(x.front().rows()); }
  int input_dim() const { return u.empty() ? 0 : static_cast<int>(u.front().rows()); }
};

// Finite-difference derivative samples of the records: inputs [x; u]
// ((dim + input_dim) x M) and targets dx/dt (dim x M).
struct DerivativeSamples {
  Eigen::MatrixXd inputs, targets;
};
DerivativeSamples derivative_samples(const Records& records);

struct TwinTrainOptions {
  int derivative_epochs = 200;
  int batch_size = 256;
  double learning_rate = 1e-3;
  int trajectory_steps = 300;
  int window = 10;  // RK4 steps per window
  int stride = 1;   // record samples per RK4 step (step = stride * dt)
  int windows_per_step = 64;
  double trajectory_learning_rate = 3e-4;
  // Cosine decay of both stages' learning rates to final_fraction times
  // their initial value over the stage; 1 = constant.
  double final_fraction = 1.0;
  nn::AdamOptions adam;  // betas, eps, weight decay, gradient clipping
  nn::WeightNoise weight_noise;
  std::uint64_t seed = 1;
  void validate() const;  // std::invalid_argument naming every violated rule
};

struct TwinTrainResult {
  std::vector<double> derivative_loss;  // per epoch
  std::vector<double> trajectory_loss;  // per step
  long steps = 0;
  double seconds = 0;
};

// Sets the network's normalisation from the records (inputs: mean and std
// of [x; u]; outputs: std of the derivative samples), initialises it from
// the seed and trains both stages. progress(stage, iteration, loss) may be
// empty. Deterministic for a seed.
TwinTrainResult train_twin(nn::Mlp& net, const Records& records, const TwinTrainOptions& options,
                           const std::function<void(int, int, double)>& progress = {});

// Stage 2's objective for given windows (start record r, start index j per
// window): loss and, if grad is not empty, its gradient (num_params()).
// Exposed for the gradient check.
double trajectory_loss(const nn::Mlp& net, const Records& records, const std::vector<std::pair<int, int>>& windows,
                       int window, int stride, const Eigen::VectorXd& state_scale, Eigen::Ref<Eigen::VectorXd> grad);

}  // namespace memcosim::tasks::twin
