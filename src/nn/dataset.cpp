#include "nn/dataset.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>

namespace memcosim::nn {

Eigen::MatrixXd sample_ring(double radius_mean, double radius_std, Eigen::Index n, Rng& rng) {
  if (n < 0 || !std::isfinite(radius_mean) || !std::isfinite(radius_std) || radius_std < 0)
    throw std::invalid_argument("sample_ring: need n >= 0, finite radius_mean and radius_std >= 0");
  Eigen::MatrixXd x(2, n);
  for (Eigen::Index j = 0; j < n; ++j) {
    const double r = rng.normal(radius_mean, radius_std);
    const double phi = rng.uniform(0.0, 2.0 * std::numbers::pi);
    x(0, j) = r * std::cos(phi);
    x(1, j) = r * std::sin(phi);
  }
  return x;
}

}  // namespace memcosim::nn
