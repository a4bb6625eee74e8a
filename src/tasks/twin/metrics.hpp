// Metrics of the digital twins.
#pragma once

#include <functional>
#include <span>
#include <vector>

#include <Eigen/Core>

#include "reference/ode_solver.hpp"
#include "tasks/twin/system.hpp"

namespace memcosim::tasks::twin {

// Normalised RMS error of a readout: sqrt(mean_t (y - y_ref)^2) / (max y_ref -
// min y_ref), over all rows and times (normalised by the reference's range,
// so a 5 % NRMSE is 5 % of the current's peak-to-peak swing). y, y_ref: rows x T.
double nrmse(const Eigen::Ref<const Eigen::MatrixXd>& y, const Eigen::Ref<const Eigen::MatrixXd>& y_ref);

// sqrt(<||x - mean||^2>) over the columns of x (dim x T): the attractor's size.
double attractor_scale(const Eigen::Ref<const Eigen::MatrixXd>& x);

// Valid prediction time: the first grid time t_j with ||x_twin(:, j) -
// x_true(:, j)|| / scale > threshold (linear interpolation between the grid
// points on either side), times lambda (so in Lyapunov times). If the error
// never exceeds the threshold, t.back() * lambda.
double valid_prediction_time(std::span<const double> t, const Eigen::Ref<const Eigen::MatrixXd>& x_twin,
                             const Eigen::Ref<const Eigen::MatrixXd>& x_true, double scale, double threshold,
                             double lambda);

// Largest Lyapunov exponent of an autonomous field by Benettin's
// two-trajectory method: a reference and a companion at distance delta are
// integrated together (one Odeint batch) for `interval`, the log of the
// growth of their separation is accumulated and the companion is brought
// back to distance delta along the separation, for duration / interval
// intervals. Deterministic for x0 (which should be on the attractor).
struct LyapunovResult {
  double exponent = 0;          // 1 / time unit
  std::vector<double> running;  // the estimate after each interval
  reference::OdeStats stats;
};
LyapunovResult largest_lyapunov(const Field& field, const Eigen::VectorXd& x0, double duration, double interval,
                                double delta, const reference::OdeOptions& options);

// Long-run statistics of a trajectory sampled every dt (dim x T).
struct AttractorStats {
  Eigen::VectorXd mean, variance;   // per variable
  std::vector<double> lags;         // in time units
  Eigen::MatrixXd autocorrelation;  // dim x lags: corr(x_i(t), x_i(t + lag))
  Eigen::MatrixXd histogram;        // dim x bins, probabilities on [lo, hi]
  double lo = 0, hi = 0;
};
AttractorStats attractor_stats(const Eigen::Ref<const Eigen::MatrixXd>& x, double dt, const std::vector<double>& lags,
                               int bins, double lo, double hi);

// Comparison of two sets of statistics (same lags, bins and range).
struct StatsComparison {
  double max_mean_error = 0;             // max_i |mean_i - mean_ref_i| / sqrt(var_ref_i)
  double max_variance_ratio_error = 0;   // max_i |var_i / var_ref_i - 1|
  double max_autocorrelation_error = 0;  // max over i and lags of |acf - acf_ref|
  double max_histogram_tv = 0;           // max_i total-variation distance of the histograms
};
StatsComparison compare_stats(const AttractorStats& s, const AttractorStats& ref);

}  // namespace memcosim::tasks::twin
