#include "analysis/compare.hpp"

#include <cmath>
#include <stdexcept>

#include "analysis/resample.hpp"
#include "util/error.hpp"

namespace memcosim::analysis {

TrajectoryError compare_trajectory(std::span<const double> sim_times,
                                   const std::vector<std::vector<double>>& sim_values, std::span<const double> grid,
                                   const Eigen::Ref<const Eigen::MatrixXd>& reference, Eigen::MatrixXd* resampled) {
  const auto dim = static_cast<Eigen::Index>(sim_values.size());
  const auto n = static_cast<Eigen::Index>(grid.size());
  if (reference.rows() != dim || reference.cols() != n)
    throw std::invalid_argument("compare_trajectory: reference must be dim x grid");
  if (n == 0) throw std::invalid_argument("compare_trajectory: empty grid");
  // What the simulation returned is data, not a programming error: a
  // misbehaving simulation fails its own trajectory (SimulationError), never
  // the run.
  Eigen::MatrixXd sim(dim, n);
  try {
    for (Eigen::Index d = 0; d < dim; ++d) {
      const auto& v = sim_values[static_cast<std::size_t>(d)];
      if (v.size() != sim_times.size())
        throw std::invalid_argument("state " + std::to_string(d) + " has " + std::to_string(v.size()) + " values for " +
                                    std::to_string(sim_times.size()) + " time points");
      for (std::size_t k = 0; k < v.size(); ++k)
        if (!std::isfinite(v[k]))
          throw std::invalid_argument("state " + std::to_string(d) + " is not finite at point " + std::to_string(k));
      const std::vector<double> on_grid = interpolate_linear(sim_times, v, grid);
      for (Eigen::Index k = 0; k < n; ++k) sim(d, k) = on_grid[static_cast<std::size_t>(k)];
    }
  } catch (const std::invalid_argument& e) {
    throw SimulationError(std::string("the simulated trajectory cannot be compared: ") + e.what());
  }
  const Eigen::MatrixXd diff = sim - reference;
  TrajectoryError e;
  e.final_error = diff.col(n - 1).norm();
  e.max_error = diff.cwiseAbs().maxCoeff();
  e.rms_error = std::sqrt(diff.squaredNorm() / static_cast<double>(diff.size()));
  if (resampled) *resampled = std::move(sim);
  return e;
}

}  // namespace memcosim::analysis
