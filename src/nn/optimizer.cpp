#include "nn/optimizer.hpp"

#include <cmath>

namespace memcosim::nn {

AdamState::AdamState(Eigen::Index num_params)
    : m_(Eigen::VectorXd::Zero(num_params)), v_(Eigen::VectorXd::Zero(num_params)) {}

void AdamState::step(Eigen::Ref<Eigen::VectorXd> theta, Eigen::Ref<Eigen::VectorXd> grad, double lr,
                     const AdamOptions& o) {
  // torch.nn.utils.clip_grad_norm_: scale by max_norm / (norm + 1e-6) when that is < 1.
  if (o.grad_clip > 0) {
    const double scale = o.grad_clip / (grad.norm() + 1e-6);
    if (scale < 1.0) grad *= scale;
  }
  // Coupled L2 weight decay, then Adam with PyTorch's bias corrections.
  grad += o.weight_decay * theta;
  ++steps_;
  const double k = static_cast<double>(steps_);
  const double bc1 = 1.0 - std::pow(o.beta1, k);
  const double bc2 = 1.0 - std::pow(o.beta2, k);
  m_ = o.beta1 * m_ + (1.0 - o.beta1) * grad;
  v_ = o.beta2 * v_ + (1.0 - o.beta2) * grad.cwiseAbs2();
  theta.array() -= (lr / bc1) * m_.array() / (v_.array().sqrt() / std::sqrt(bc2) + o.eps);
}

}  // namespace memcosim::nn
