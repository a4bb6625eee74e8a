// Training data sets.
#pragma once

#include <Eigen/Core>

#include "util/random.hpp"

namespace memcosim::nn {

// n points of the published ring: radius r ~ N(radius_mean, radius_std^2),
// angle phi ~ U(0, 2 pi), point (r cos phi, r sin phi). Returns a 2 x n
// matrix, one point per column; per point r is drawn before phi.
// Throws std::invalid_argument for n < 0, radius_std < 0 or non-finite values.
Eigen::MatrixXd sample_ring(double radius_mean, double radius_std, Eigen::Index n, Rng& rng);

}  // namespace memcosim::nn
