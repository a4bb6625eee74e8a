// A generic feed-forward network (not a score network): the vector field of
// the neural-ODE digital twins and any other task that needs a plain MLP.
//
//   z_0 = (x - input_offset) ./ input_scale                    (normalisation, fixed)
//   z_l = relu(W_l z_{l-1} + b_l)                   l = 1 .. L-1   (hidden layers)
//   y   = output_scale .* (W_L z_{L-1} + b_L)                  (linear output)
//
// Samples are columns: x is input_dim x N, y output_dim x N (as nn::ScoreNet).
// The normalisation (input_offset, input_scale, output_scale) is part of the
// network and of its weight file but not of the trainable parameters: it is
// set from the data before training and kept fixed.
//
// raw_layers() folds the normalisation into the first and last layers, so
//   y = W'_L relu(... relu(W'_1 x + b'_1) ...) + b'_L
// on raw inputs; this is what a circuit builder puts on crossbars.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "nn/score_net.hpp"  // nn::Dense
#include "util/random.hpp"

namespace memcosim::nn {

struct MlpShape {
  int input_dim = 2;                   // >= 1
  std::vector<int> hidden = {16, 16};  // each >= 1; may be empty (an affine map)
  int output_dim = 1;                  // >= 1

  // Every violated rule as (key, message); empty when valid.
  std::vector<std::pair<std::string, std::string>> problems() const;
  // Throws std::invalid_argument naming every violated rule.
  void validate() const;
  bool operator==(const MlpShape&) const = default;
};

class Mlp {
 public:
  // Intermediate values of one batched forward pass, kept for backward().
  struct Tape {
    Eigen::MatrixXd input;                // z_0, normalised input (input_dim x N)
    std::vector<Eigen::MatrixXd> hidden;  // post-ReLU z_1 .. z_{L-1}
  };

  // Validates the shape (std::invalid_argument). Parameters zero, identity
  // normalisation (offset 0, scales 1).
  explicit Mlp(MlpShape shape);

  // PyTorch-like initialisation: for each layer in flat order, W and b ~
  // U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (W column-major, then b).
  void init(Rng& rng);

  const MlpShape& shape() const { return shape_; }
  int input_dim() const { return shape_.input_dim; }
  int output_dim() const { return shape_.output_dim; }

  // Hidden layers then the output layer, on normalised values. Values may be
  // changed, shapes not.
  std::vector<Dense>& layers() { return layers_; }
  const std::vector<Dense>& layers() const { return layers_; }
  // Normalisation: input_offset, input_scale (input_dim, scales > 0) and
  // output_scale (output_dim, > 0). Values may be changed, sizes not.
  Eigen::VectorXd& input_offset() { return in_offset_; }
  const Eigen::VectorXd& input_offset() const { return in_offset_; }
  Eigen::VectorXd& input_scale() { return in_scale_; }
  const Eigen::VectorXd& input_scale() const { return in_scale_; }
  Eigen::VectorXd& output_scale() { return out_scale_; }
  const Eigen::VectorXd& output_scale() const { return out_scale_; }

  // y = network(x); x input_dim x N, out output_dim x N (must not alias x).
  void forward(const Eigen::Ref<const Eigen::MatrixXd>& x, Eigen::Ref<Eigen::MatrixXd> out) const;
  Eigen::MatrixXd operator()(const Eigen::Ref<const Eigen::MatrixXd>& x) const;
  // The same, recording what backward() needs.
  void forward(const Eigen::Ref<const Eigen::MatrixXd>& x, Eigen::Ref<Eigen::MatrixXd> out, Tape& tape) const;

  // Reverse mode (vector-Jacobian product) of the forward pass that filled
  // `tape`, for the upstream gradient gy = dL/dy (output_dim x N):
  //   grad_params += dL/dtheta   (num_params(), flat order below), if not empty (size 0)
  //   *gx          = dL/dx       (input_dim x N, raw inputs), if gx is not null.
  void backward(const Tape& tape, const Eigen::Ref<const Eigen::MatrixXd>& gy, Eigen::Ref<Eigen::VectorXd> grad_params,
                Eigen::MatrixXd* gx) const;

  // Flat trainable parameters: for each layer (hidden 1 .. L-1, output), W
  // column-major, then b. The normalisation is not included.
  Eigen::Index num_params() const;
  Eigen::VectorXd params() const;
  // Throws std::invalid_argument if the size differs from num_params().
  void set_params(const Eigen::Ref<const Eigen::VectorXd>& flat);

  // The layers with the normalisation folded in (see the file comment):
  //   W'_1 = W_1 diag(1 ./ input_scale),  b'_1 = b_1 - W'_1 input_offset
  //   W'_L = diag(output_scale) W_L,      b'_L = output_scale .* b_L
  // (both on the same layer when there is no hidden layer).
  std::vector<Dense> raw_layers() const;

 private:
  MlpShape shape_;
  std::vector<Dense> layers_;
  Eigen::VectorXd in_offset_, in_scale_, out_scale_;
};

}  // namespace memcosim::nn
