// The one Adam step of memcosim's training loops, as PyTorch does it:
// gradient-norm clipping (clip_grad_norm_), then coupled L2 weight decay
// g += weight_decay * theta, then Adam with bias corrections.
#pragma once

#include <Eigen/Core>

namespace memcosim::nn {

struct AdamOptions {
  double beta1 = 0.9;         // in [0, 1)
  double beta2 = 0.999;       // in [0, 1)
  double eps = 1e-8;          // > 0
  double weight_decay = 0.0;  // coupled L2, >= 0
  double grad_clip = 0.0;     // max global gradient 2-norm; 0 = no clipping
};

class AdamState {
 public:
  explicit AdamState(Eigen::Index num_params);
  // One optimiser step with learning rate lr: clips grad in place (scale by
  // grad_clip / (norm + 1e-6) when that is < 1), adds weight decay, updates
  // the moments and theta.
  void step(Eigen::Ref<Eigen::VectorXd> theta, Eigen::Ref<Eigen::VectorXd> grad, double lr, const AdamOptions& o);
  long steps() const { return steps_; }

 private:
  Eigen::VectorXd m_, v_;
  long steps_ = 0;
};

}  // namespace memcosim::nn
