// Internal to src/nn: the one implementation of the forward pass, shared by
// ScoreNet (sampling, circuit comparison) and the training loss, so that
// what is trained is exactly what is evaluated.
#pragma once

#include <cmath>
#include <numbers>
#include <vector>

#include <Eigen/Core>

#include "nn/score_net.hpp"

namespace memcosim::nn::detail {

// out = e(t) = [sin(2 pi w_k t)]_k ++ [cos(2 pi w_k t)]_k; out has 2 * freq.size() entries.
void time_embedding_into(const Eigen::VectorXd& freq, double t, Eigen::Ref<Eigen::VectorXd> out);

// GELU, exact form: gelu(u) = u Phi(u) = u/2 (1 + erf(u / sqrt 2)).
inline double gelu(double u) { return 0.5 * u * (1.0 + std::erf(u * std::numbers::sqrt2 / 2.0)); }
// gelu'(u) = Phi(u) + u phi(u).
inline double gelu_derivative(double u) {
  const double phi = std::exp(-0.5 * u * u) / std::sqrt(2.0 * std::numbers::pi);
  return 0.5 * (1.0 + std::erf(u * std::numbers::sqrt2 / 2.0)) + u * phi;
}

// Column of the class table that holds class cls (cls in [0, C) or -1 = masked -> column C).
inline Eigen::Index class_column(int cls, int num_classes) { return cls < 0 ? num_classes : cls; }

// Class embedding of every class: column c < C is class c, column C the
// masked class (all-zero one-hot). U receives the pre-GELU values
// W_c1 onehot + b_c1, G = gelu(U), K the embedding W_c2 G + b_c2; all E x (C+1).
void class_table(const Parameters& p, Eigen::Ref<Eigen::MatrixXd> U, Eigen::Ref<Eigen::MatrixXd> G,
                 Eigen::Ref<Eigen::MatrixXd> K);

// Forward pass over the n = x.cols() columns of x.
//   T: time embedding, E x n, or E x 1 to use one vector for every column.
//   K: class embedding, E x n, E x 1, or empty (0 x 0) for none.
//   hidden[l]: receives the post-ReLU activations of hidden layer l in its
//              first n columns (it must have hidden[l] rows and >= n columns).
//   out: output_dim x n, the score gain * (W_out h_L + b_out).
// No allocation when the sizes fit.
void forward_pass(const Parameters& p, double gain, const Eigen::Ref<const Eigen::MatrixXd>& x,
                  const Eigen::Ref<const Eigen::MatrixXd>& T, const Eigen::Ref<const Eigen::MatrixXd>& K,
                  std::vector<Eigen::MatrixXd>& hidden, Eigen::Ref<Eigen::MatrixXd> out);

}  // namespace memcosim::nn::detail
