// Waveform comparison: a simulated trajectory (the simulator's own adaptive
// time points) against a reference sampled on a grid, both in x units.
#pragma once

#include <span>
#include <vector>

#include <Eigen/Core>

namespace memcosim::analysis {

struct TrajectoryError {
  double final_error = 0.0;  // Euclidean distance of the final points
  double max_error = 0.0;    // largest |x_sim - x_ref| over grid points and dimensions
  double rms_error = 0.0;    // RMS over grid points and dimensions
};

// sim_values[d] holds dimension d at sim_times (increasing, repeats allowed).
// reference is dim x grid.size(). The simulated trajectory is resampled onto
// the grid by linear interpolation; the final error uses the last grid point.
// Throws SimulationError when the simulated data cannot be compared (times
// not finite or not monotone, values not finite, lengths that differ), so
// that the caller fails that trajectory alone; std::invalid_argument for a
// reference of the wrong shape or an empty grid (the caller's mistake).
TrajectoryError compare_trajectory(std::span<const double> sim_times,
                                   const std::vector<std::vector<double>>& sim_values, std::span<const double> grid,
                                   const Eigen::Ref<const Eigen::MatrixXd>& reference,
                                   Eigen::MatrixXd* resampled = nullptr);

}  // namespace memcosim::analysis
