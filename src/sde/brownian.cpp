#include "sde/brownian.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <stdexcept>
#include <string>

#include "util/random.hpp"

namespace memcosim::sde {

std::uint64_t initial_state_seed(std::uint64_t master_seed) { return derive_seed(master_seed, "sde.initial_state"); }

std::uint64_t brownian_seed(std::uint64_t master_seed) { return derive_seed(master_seed, "sde.brownian"); }

std::vector<double> uniform_grid(double t_start, double t_end, int steps) {
  if (steps < 1) throw std::invalid_argument("uniform_grid: steps must be >= 1 (got " + std::to_string(steps) + ")");
  if (!std::isfinite(t_start) || !std::isfinite(t_end) || t_start == t_end)
    throw std::invalid_argument("uniform_grid: t_start and t_end must be finite and differ (got " +
                                std::to_string(t_start) + ", " + std::to_string(t_end) + ")");
  std::vector<double> grid(static_cast<std::size_t>(steps) + 1);
  const double span = t_end - t_start;
  for (int k = 0; k <= steps; ++k)
    grid[static_cast<std::size_t>(k)] = t_start + span * (static_cast<double>(k) / steps);
  grid.front() = t_start;
  grid.back() = t_end;
  return grid;
}

void initial_states(std::uint64_t seed, std::uint64_t first_sample, Eigen::Ref<Eigen::MatrixXd> out) {
  for (Eigen::Index j = 0; j < out.cols(); ++j) {
    const auto i = first_sample + static_cast<std::uint64_t>(j);
    for (Eigen::Index d = 0; d < out.rows(); ++d)
      out(d, j) = counter_normal(seed, i, static_cast<std::uint64_t>(d), kInitialStateCounter);
  }
}

Eigen::MatrixXd initial_states(std::uint64_t seed, std::uint64_t first_sample, int dim, Eigen::Index count) {
  if (dim < 1 || count < 0) throw std::invalid_argument("initial_states: need dim >= 1 and count >= 0");
  Eigen::MatrixXd x(dim, count);
  initial_states(seed, first_sample, x);
  return x;
}

BrownianPath::BrownianPath(std::uint64_t seed, std::vector<double> grid) : seed_(seed), grid_(std::move(grid)) {
  if (grid_.size() < 2)
    throw std::invalid_argument("BrownianPath: the grid needs at least two points (got " +
                                std::to_string(grid_.size()) + ")");
  for (double t : grid_)
    if (!std::isfinite(t)) throw std::invalid_argument("BrownianPath: grid times must be finite");
  decreasing_ = grid_[1] < grid_[0];
  double min_step = std::abs(grid_[1] - grid_[0]);
  sqrt_dt_.resize(grid_.size() - 1);
  for (std::size_t k = 0; k + 1 < grid_.size(); ++k) {
    const double dt = grid_[k + 1] - grid_[k];
    if (dt == 0.0 || (dt < 0.0) != decreasing_)
      throw std::invalid_argument("BrownianPath: grid must be strictly monotone (step " + std::to_string(k) + ": " +
                                  std::to_string(grid_[k]) + " -> " + std::to_string(grid_[k + 1]) + ")");
    min_step = std::min(min_step, std::abs(dt));
    sqrt_dt_[k] = std::sqrt(std::abs(dt));
  }
  tol_ = std::min(1e-9 * std::abs(grid_.back() - grid_.front()), 0.25 * min_step);
}

double BrownianPath::increment(std::uint64_t sample, int d, std::size_t k) const {
  if (k >= steps() || d < 0) throw std::invalid_argument("BrownianPath::increment: index out of range");
  return sqrt_dt_[k] * counter_normal(seed_, sample, static_cast<std::uint64_t>(d), k);
}

void BrownianPath::fill_step(std::uint64_t first_sample, std::size_t k, Eigen::Ref<Eigen::MatrixXd> dW) const {
  if (k >= steps()) throw std::invalid_argument("BrownianPath::fill_step: step out of range");
  const double h = sqrt_dt_[k];
  for (Eigen::Index j = 0; j < dW.cols(); ++j) {
    const auto i = first_sample + static_cast<std::uint64_t>(j);
    for (Eigen::Index d = 0; d < dW.rows(); ++d)
      dW(d, j) = h * counter_normal(seed_, i, static_cast<std::uint64_t>(d), k);
  }
}

void BrownianPath::fill_span(std::uint64_t first_sample, std::size_t k0, std::size_t k1,
                             Eigen::Ref<Eigen::MatrixXd> dW) const {
  if (k0 > k1 || k1 > steps()) throw std::invalid_argument("BrownianPath::fill_span: need k0 <= k1 <= steps()");
  if (k1 == k0 + 1) {
    fill_step(first_sample, k0, dW);
    return;
  }
  for (Eigen::Index j = 0; j < dW.cols(); ++j) {
    const auto i = first_sample + static_cast<std::uint64_t>(j);
    for (Eigen::Index d = 0; d < dW.rows(); ++d) {
      double w = 0.0;
      for (std::size_t k = k0; k < k1; ++k)
        w += sqrt_dt_[k] * counter_normal(seed_, i, static_cast<std::uint64_t>(d), k);
      dW(d, j) = w;
    }
  }
}

Eigen::MatrixXd BrownianPath::increments(std::uint64_t sample, int dim) const {
  if (dim < 1) throw std::invalid_argument("BrownianPath::increments: dim must be >= 1");
  Eigen::MatrixXd out(dim, static_cast<Eigen::Index>(steps()));
  for (std::size_t k = 0; k < steps(); ++k)
    for (int d = 0; d < dim; ++d)
      out(d, static_cast<Eigen::Index>(k)) =
          sqrt_dt_[k] * counter_normal(seed_, sample, static_cast<std::uint64_t>(d), k);
  return out;
}

Eigen::MatrixXd BrownianPath::cumulative(std::uint64_t sample, int dim) const {
  const Eigen::MatrixXd inc = increments(sample, dim);
  Eigen::MatrixXd w(dim, inc.cols() + 1);
  w.col(0).setZero();
  // Same summation order as fill_span(sample, 0, k): W(t_k) is bitwise the
  // sum a coarse Euler–Maruyama step from t_0 to t_k would receive.
  for (Eigen::Index k = 0; k < inc.cols(); ++k) w.col(k + 1) = w.col(k) + inc.col(k);
  return w;
}

std::size_t BrownianPath::index_of(double t, std::size_t hint) const {
  auto near = [&](std::size_t k) { return k < grid_.size() && std::abs(grid_[k] - t) <= tol_; };
  if (near(hint)) return hint;
  if (near(hint + 1)) return hint + 1;
  // Binary search on the monotone grid for the first point not "before" t.
  const auto it = decreasing_ ? std::lower_bound(grid_.begin(), grid_.end(), t, std::greater<double>())
                              : std::lower_bound(grid_.begin(), grid_.end(), t);
  const auto k = static_cast<std::size_t>(it - grid_.begin());
  if (near(k)) return k;
  if (k > 0 && near(k - 1)) return k - 1;
  return npos;
}

void BrownianNoise::operator()(double t, double dt, Eigen::MatrixXd& dW) {
  const std::size_t k0 = path_->index_of(t, hint_);
  const std::size_t k1 = k0 == BrownianPath::npos ? BrownianPath::npos : path_->index_of(t + dt, k0);
  if (k0 == BrownianPath::npos || k1 == BrownianPath::npos || k1 <= k0)
    throw std::invalid_argument("BrownianNoise: step [" + std::to_string(t) + ", " + std::to_string(t + dt) +
                                "] does not run from one grid point of the Brownian path to a "
                                "later one");
  path_->fill_span(first_, k0, k1, dW);
  hint_ = k1;
}

}  // namespace memcosim::sde
