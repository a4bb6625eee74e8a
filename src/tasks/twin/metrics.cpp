#include "tasks/twin/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace memcosim::tasks::twin {

double nrmse(const Eigen::Ref<const Eigen::MatrixXd>& y, const Eigen::Ref<const Eigen::MatrixXd>& y_ref) {
  if (y.rows() != y_ref.rows() || y.cols() != y_ref.cols() || y.size() == 0)
    throw std::invalid_argument("nrmse: y and y_ref must have the same, non-empty shape");
  const double range = y_ref.maxCoeff() - y_ref.minCoeff();
  if (!(range > 0)) throw std::invalid_argument("nrmse: the reference is constant (zero range)");
  const double rms = std::sqrt((y - y_ref).squaredNorm() / static_cast<double>(y.size()));
  return rms / range;
}

double attractor_scale(const Eigen::Ref<const Eigen::MatrixXd>& x) {
  const Eigen::VectorXd mean = x.rowwise().mean();
  return std::sqrt((x.colwise() - mean).colwise().squaredNorm().mean());
}

double valid_prediction_time(std::span<const double> t, const Eigen::Ref<const Eigen::MatrixXd>& x_twin,
                             const Eigen::Ref<const Eigen::MatrixXd>& x_true, double scale, double threshold,
                             double lambda) {
  if (x_twin.cols() != static_cast<Eigen::Index>(t.size()) || x_true.cols() != x_twin.cols() ||
      x_true.rows() != x_twin.rows() || t.empty())
    throw std::invalid_argument("valid_prediction_time: trajectories must be dim x T with T = t.size() >= 1");
  double previous = 0.0;
  for (std::size_t j = 0; j < t.size(); ++j) {
    const auto c = static_cast<Eigen::Index>(j);
    const double e = (x_twin.col(c) - x_true.col(c)).norm() / scale;
    if (!(e <= threshold)) {  // NaN counts as diverged
      if (j == 0 || !std::isfinite(e)) return t[j] * lambda;
      const double f = (threshold - previous) / (e - previous);
      return (t[j - 1] + f * (t[j] - t[j - 1])) * lambda;
    }
    previous = e;
  }
  return t.back() * lambda;
}

LyapunovResult largest_lyapunov(const Field& field, const Eigen::VectorXd& x0, double duration, double interval,
                                double delta, const reference::OdeOptions& options) {
  if (!(interval > 0) || !(duration >= interval) || !(delta > 0))
    throw std::invalid_argument("largest_lyapunov: needs 0 < interval <= duration and delta > 0");
  const Eigen::Index d = x0.size();
  // The companion starts along a fixed direction (all ones, normalised):
  // deterministic, and after a few intervals aligned with the leading vector.
  Eigen::MatrixXd x(d, 2);
  x.col(0) = x0;
  x.col(1) = x0 + Eigen::VectorXd::Constant(d, delta / std::sqrt(static_cast<double>(d)));
  const long intervals = static_cast<long>(std::floor(duration / interval + 1e-9));
  const Eigen::MatrixXd no_input(0, 2);
  const reference::BatchRhs rhs = [&](const Eigen::MatrixXd& s, Eigen::MatrixXd& dsdt, double) {
    field(s, no_input, dsdt);
  };
  LyapunovResult r;
  r.stats.ok = true;
  double sum = 0.0;
  for (long k = 0; k < intervals; ++k) {
    const double t0 = static_cast<double>(k) * interval;
    const reference::OdeStats s = reference::solve_batch_ode(rhs, x, t0, t0 + interval, options);
    r.stats.steps += s.steps;
    r.stats.rhs_evals += s.rhs_evals;
    r.stats.wall_seconds += s.wall_seconds;
    if (!s.ok) {
      r.stats.ok = false;
      r.stats.message = s.message;
      return r;
    }
    const Eigen::VectorXd sep = x.col(1) - x.col(0);
    const double growth = sep.norm() / delta;
    sum += std::log(growth);
    x.col(1) = x.col(0) + sep / growth;
    r.running.push_back(sum / (static_cast<double>(k + 1) * interval));
  }
  r.stats.message = "ok";
  r.exponent = r.running.back();
  return r;
}

AttractorStats attractor_stats(const Eigen::Ref<const Eigen::MatrixXd>& x, double dt, const std::vector<double>& lags,
                               int bins, double lo, double hi) {
  if (x.cols() < 2 || !(dt > 0) || bins < 1 || !(hi > lo))
    throw std::invalid_argument("attractor_stats: needs >= 2 samples, dt > 0, bins >= 1 and lo < hi");
  AttractorStats s;
  s.lags = lags;
  s.lo = lo;
  s.hi = hi;
  const Eigen::Index d = x.rows(), T = x.cols();
  s.mean = x.rowwise().mean();
  const Eigen::MatrixXd c = x.colwise() - s.mean;
  s.variance = c.rowwise().squaredNorm() / static_cast<double>(T);
  s.autocorrelation.resize(d, static_cast<Eigen::Index>(lags.size()));
  for (std::size_t l = 0; l < lags.size(); ++l) {
    const auto k = static_cast<Eigen::Index>(std::llround(lags[l] / dt));
    if (k >= T) throw std::invalid_argument("attractor_stats: a lag is longer than the trajectory");
    for (Eigen::Index i = 0; i < d; ++i) {
      const double cov = c.row(i).head(T - k).dot(c.row(i).tail(T - k)) / static_cast<double>(T - k);
      s.autocorrelation(i, static_cast<Eigen::Index>(l)) = cov / s.variance[i];
    }
  }
  // Per-variable histograms on [lo, hi] (values outside go to the end bins).
  s.histogram = Eigen::MatrixXd::Zero(d, bins);
  for (Eigen::Index j = 0; j < T; ++j)
    for (Eigen::Index i = 0; i < d; ++i) {
      const double f = (x(i, j) - lo) / (hi - lo) * bins;
      const int b = std::clamp(static_cast<int>(std::floor(f)), 0, bins - 1);
      s.histogram(i, b) += 1.0;
    }
  s.histogram /= static_cast<double>(T);
  return s;
}

StatsComparison compare_stats(const AttractorStats& s, const AttractorStats& ref) {
  if (s.mean.size() != ref.mean.size() || s.histogram.cols() != ref.histogram.cols() || s.lags != ref.lags)
    throw std::invalid_argument("compare_stats: the statistics differ in shape");
  StatsComparison r;
  for (Eigen::Index i = 0; i < s.mean.size(); ++i) {
    r.max_mean_error = std::max(r.max_mean_error, std::abs(s.mean[i] - ref.mean[i]) / std::sqrt(ref.variance[i]));
    r.max_variance_ratio_error = std::max(r.max_variance_ratio_error, std::abs(s.variance[i] / ref.variance[i] - 1.0));
    r.max_histogram_tv =
        std::max(r.max_histogram_tv, 0.5 * (s.histogram.row(i) - ref.histogram.row(i)).cwiseAbs().sum());
  }
  if (s.autocorrelation.size() > 0)
    r.max_autocorrelation_error = (s.autocorrelation - ref.autocorrelation).cwiseAbs().maxCoeff();
  return r;
}

}  // namespace memcosim::tasks::twin
