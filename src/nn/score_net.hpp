// The score network s_theta(x, t [, c]) of the analogue diffusion solver.
//
// An MLP with ReLU hidden layers whose pre-activations receive fixed additive
// embeddings (no learned projection), as in the published system:
//
//   h_1 = relu(W_1 x       + b_1 + e_1(t) [+ k_1(c)])
//   h_l = relu(W_l h_{l-1} + b_l + e_l(t) [+ k_l(c)])      l = 2 .. L
//   s   = gain * (W_out h_L + b_out)
//
// Time embedding (Gaussian random Fourier features). With E = max(hidden)
// and fixed frequencies w_k ~ N(0, embedding_scale^2), k < E/2:
//   e(t) = [sin(2 pi w_0 t) .. sin(2 pi w_{E/2-1} t), cos(2 pi w_0 t) .. cos(2 pi w_{E/2-1} t)]
// A hidden layer of width h adds the first h/2 sines and the first h/2
// cosines: e_l(t) = [sin(2 pi w_k t) for k < h/2] ++ [cos(2 pi w_k t) for k < h/2].
// For equal widths (the published 14, 14) every layer adds the same vector.
//
// Class embedding (conditional networks, num_classes = C > 0): the one-hot
// vector of class c (all zeros for the masked / unconditional class, c = -1)
// goes through Linear(C, E) -> GELU -> Linear(E, E); a hidden layer of
// width h adds the first h entries: k_l(c) = k(c)[0 : h].
//
// Samples are columns: inputs and outputs are dim x N matrices.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "sde/score.hpp"
#include "util/random.hpp"

namespace memcosim::nn {

// Shape of the network. The defaults are the published ring network.
struct Architecture {
  int input_dim = 2;                   // dimension of x
  std::vector<int> hidden = {14, 14};  // widths of the hidden layers; each even and >= 2
  int output_dim = 2;                  // must equal input_dim (the output is a score)
  int num_classes = 0;                 // C; 0 = unconditional network
  double output_gain = 5.0;            // s = gain * (last affine layer), finite and > 0
  double embedding_scale = 1.0;        // std of the Fourier frequencies (used by init only)

  // Width E of the time and class embeddings: the widest hidden layer.
  int embedding_width() const;
  // Every violated rule as (key, message), e.g. {"hidden[1]", "must be even (got 7)"};
  // empty when the architecture is valid.
  std::vector<std::pair<std::string, std::string>> problems() const;
  // Throws std::invalid_argument naming every violated rule.
  void validate() const;

  bool operator==(const Architecture&) const = default;
};

// One affine layer y = W x + b; W is (outputs x inputs).
struct Dense {
  Eigen::MatrixXd W;
  Eigen::VectorXd b;
};

// All trainable parameters. The flat order (used by ScoreNet::params(), the
// optimiser, weight-noise multipliers and gradients) is:
//   for each layer of `layers` (hidden 1 .. L, then output):  W column-major, then b
//   then for each layer of `class_layers` (Linear(C,E), Linear(E,E)): W column-major, then b.
// The Fourier frequencies are fixed and not part of it.
struct Parameters {
  std::vector<Dense> layers;        // hidden layers, then the output layer
  std::vector<Dense> class_layers;  // empty, or {Linear(C, E), Linear(E, E)}

  // Zero parameters of the given (valid) architecture.
  static Parameters zeros(const Architecture& arch);
  Eigen::Index size() const;
  // Copy to / from the flat order above; sizes must match (not checked here:
  // ScoreNet's public functions check).
  void pack(Eigen::Ref<Eigen::VectorXd> flat) const;
  void unpack(const Eigen::Ref<const Eigen::VectorXd>& flat);
};

class ScoreNet final : public sde::ScoreModel {
 public:
  // Validates the architecture (std::invalid_argument); all parameters and
  // frequencies are zero.
  explicit ScoreNet(Architecture arch);

  // PyTorch-like initialisation: frequencies w_k ~ N(0, embedding_scale^2)
  // first, then for each layer in flat order W and b ~ U(-1/sqrt(fan_in),
  // 1/sqrt(fan_in)) (W column-major, then b).
  void init(Rng& rng);

  const Architecture& arch() const { return arch_; }
  // Hidden layers then the output layer. Values may be changed, shapes not.
  std::vector<Dense>& layers() { return params_.layers; }
  const std::vector<Dense>& layers() const { return params_.layers; }
  // {Linear(C, E), Linear(E, E)} of the class embedding; empty when C == 0.
  std::vector<Dense>& class_layers() { return params_.class_layers; }
  const std::vector<Dense>& class_layers() const { return params_.class_layers; }
  const Parameters& parameters() const { return params_; }
  // Fourier frequencies w_k (E/2 of them), not multiplied by 2 pi.
  Eigen::VectorXd& frequencies() { return freq_; }
  const Eigen::VectorXd& frequencies() const { return freq_; }

  // e(t), width E (layout in the file comment).
  Eigen::VectorXd time_embedding(double t) const;
  // k(c), width E; cls in [0, C) or -1 for the masked class. Requires C > 0.
  Eigen::VectorXd class_embedding(int cls) const;

  // out = s(x) with an explicit time-embedding vector temb (width E) and an
  // optional class-embedding vector cemb (width E; nullptr = none). The
  // circuit comparison passes the waveform a DAC produces instead of the
  // exact e(t). x is input_dim x N, out output_dim x N and must not alias x.
  void forward(const Eigen::Ref<const Eigen::MatrixXd>& x, const Eigen::Ref<const Eigen::VectorXd>& temb,
               const Eigen::VectorXd* cemb, Eigen::Ref<Eigen::MatrixXd> out) const;
  // Post-ReLU activations of every hidden layer (hidden[l] x N each) for the
  // same inputs as forward().
  std::vector<Eigen::MatrixXd> hidden_activations(const Eigen::Ref<const Eigen::MatrixXd>& x,
                                                  const Eigen::Ref<const Eigen::VectorXd>& temb,
                                                  const Eigen::VectorXd* cemb) const;

  // sde::ScoreModel. The unconditional score: for a conditional network the
  // masked class (-1) is used.
  int dim() const override { return arch_.input_dim; }
  void score(const Eigen::Ref<const Eigen::MatrixXd>& x, double t, Eigen::Ref<Eigen::MatrixXd> out) const override;

  // Flat parameter vector (order documented at Parameters).
  Eigen::Index num_params() const { return params_.size(); }
  Eigen::VectorXd params() const;
  // Throws std::invalid_argument if the size differs from num_params().
  void set_params(const Eigen::Ref<const Eigen::VectorXd>& flat);

 private:
  void check_embeddings(Eigen::Index temb_size, const Eigen::VectorXd* cemb) const;

  Architecture arch_;
  Parameters params_;
  Eigen::VectorXd freq_;
};

// A conditional network seen as an sde::ScoreModel for one class. Holds a
// pointer to the network, which must outlive it; the class embedding is
// evaluated on every call, so later parameter changes are seen.
class ConditionalScore final : public sde::ScoreModel {
 public:
  // cls in [0, C) or -1 for the masked (unconditional) class; the network
  // must be conditional (C > 0). Throws std::invalid_argument otherwise.
  ConditionalScore(const ScoreNet& net, int cls);

  int class_index() const { return cls_; }
  int dim() const override { return net_->dim(); }
  void score(const Eigen::Ref<const Eigen::MatrixXd>& x, double t, Eigen::Ref<Eigen::MatrixXd> out) const override;

 private:
  const ScoreNet* net_;
  int cls_;
};

}  // namespace memcosim::nn
