// The interface between score models and everything that integrates them.
//
// States are batched column-wise: a dim x N matrix holds N samples, one per
// column (Eigen's default column-major layout makes W * X one GEMM).
#pragma once

#include <Eigen/Core>

namespace memcosim::sde {

class ScoreModel {
 public:
  virtual ~ScoreModel() = default;
  // Dimension of the state x.
  virtual int dim() const = 0;
  // out = s(x, t) for every column of x. out has the shape of x and never
  // aliases it.
  virtual void score(const Eigen::Ref<const Eigen::MatrixXd>& x, double t, Eigen::Ref<Eigen::MatrixXd> out) const = 0;
};

}  // namespace memcosim::sde
