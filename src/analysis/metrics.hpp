// Distribution metrics between a generated sample set and a target set.
//
// Point sets are dim x N matrices, one point per column (the layout of the
// samplers). The histogram metrics and ring statistics are for 2-D sets; MMD
// works in any dimension.
//
//   histogram KL    KL(target || generated) of smoothed 2-D histograms (nats)
//   histogram L2    the published code's 2-D histogram L2 distance
//   MMD^2           unbiased, RBF kernel, median-heuristic bandwidth
//   ring stats      radius mean/std and angular uniformity (the ring task)
//
// This header only forward-declares nlohmann::json; include
// <nlohmann/json.hpp> where Metrics::to_json() is called.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <nlohmann/json_fwd.hpp>

#include "util/error.hpp"

namespace memcosim::analysis {

// ---------------------------------------------------------------------------
// 2-D histograms

// Counts on bins x bins equal squares covering [lo, hi]^2. counts(ix, iy):
// ix is the bin of the first coordinate, iy of the second. Bins are
// half-open [e_k, e_{k+1}) except the last, which includes hi (numpy's
// histogram2d convention, edges e_k = lo + k (hi - lo) / bins). Points
// outside [lo, hi]^2 or not finite are counted in `outside`, not binned.
struct Histogram2d {
  int bins = 0;
  double lo = 0.0, hi = 0.0;
  Eigen::MatrixXd counts;  // bins x bins
  long inside = 0;
  long outside = 0;
  long total() const { return inside + outside; }
};
// Throws std::invalid_argument unless points has 2 rows, bins >= 1, lo < hi.
Histogram2d histogram2d(const Eigen::Ref<const Eigen::MatrixXd>& points, int bins, double lo, double hi);

// ---------------------------------------------------------------------------
// Options

struct KlOptions {
  int bins = 50;     // per axis, >= 1
  double lo = -4.0;  // range [lo, hi] on both axes, lo < hi
  double hi = 4.0;
  double blur_sigma = 1.0;  // Gaussian blur sigma in bins; 0 = no blur. >= 0
  double epsilon = 1e-6;    // weight of the uniform mixture, in [0, 1)
};

struct L2Options {
  int bins = 100;    // per axis, >= 1
  double lo = -1.0;  // range [lo, hi] on both axes, lo < hi
  double hi = 1.0;
};

struct MmdOptions {
  long max_points = 2000;  // points per set used (subsampled without replacement), >= 2
  double bandwidth = 0.0;  // RBF sigma; 0 = median heuristic. >= 0
  std::uint64_t seed = 0;  // for the subsampling
};

struct RingOptions {
  bool enabled = true;  // compute ring statistics (meaningful for the ring task)
  int sectors = 12;     // angular sectors, >= 2
};

struct MetricsOptions {
  KlOptions kl;
  L2Options l2;
  MmdOptions mmd;
  RingOptions ring;
  // One diagnostic per violated rule, key paths "kl.bins" etc. under prefix.
  std::vector<Diagnostic> check(const std::string& prefix = "metrics") const;
};

// ---------------------------------------------------------------------------
// Individual metrics

struct KlResult {
  bool ok = false;
  std::string message;             // "ok" or why the value is NaN
  double kl = 0.0;                 // KL(target || generated), nats
  double outside_generated = 0.0;  // fraction of generated points outside the range
  double outside_target = 0.0;     // fraction of target points outside the range
};
// Both histograms are normalised to probabilities over the in-range points,
// blurred by a separable Gaussian (sigma = blur_sigma bins, truncated at
// 3 sigma, kernel normalised to 1, zero outside the grid, result renormalised
// to 1), then mixed with the uniform distribution: p <- (1 - eps) p + eps / bins^2.
// ok = false (kl NaN) if either set has no point in range.
KlResult histogram_kl(const Eigen::Ref<const Eigen::MatrixXd>& generated,
                      const Eigen::Ref<const Eigen::MatrixXd>& target, const KlOptions& options = {});

struct L2Result {
  double l2 = 0.0;
  double outside_generated = 0.0;
  double outside_target = 0.0;
};
// Each histogram divided by its own total number of points, out-of-range
// points included in the denominator (np.histogram2d(..., range=...) / n,
// as the published code does); L2 = sqrt(sum (p - q)^2).
L2Result histogram_l2(const Eigen::Ref<const Eigen::MatrixXd>& generated,
                      const Eigen::Ref<const Eigen::MatrixXd>& target, const L2Options& options = {});

struct MmdResult {
  double mmd2 = 0.0;       // unbiased estimate (may be slightly negative)
  double bandwidth = 0.0;  // the RBF sigma used
  long n_generated = 0;    // points used
  long n_target = 0;
};
// k(a, b) = exp(-|a - b|^2 / (2 sigma^2)); sigma = options.bandwidth, or the
// median of the pairwise distances of the pooled (subsampled) points.
// MMD^2_u = mean_{i!=j} k(x_i,x_j) + mean_{i!=j} k(y_i,y_j) - 2 mean_{i,j} k(x_i,y_j).
// Throws std::invalid_argument if a set has fewer than 2 points or the
// dimensions differ.
MmdResult mmd_rbf(const Eigen::Ref<const Eigen::MatrixXd>& generated, const Eigen::Ref<const Eigen::MatrixXd>& target,
                  const MmdOptions& options = {});

struct RingStats {
  long n = 0;
  double radius_mean = 0.0;
  double radius_std = 0.0;            // population std (divides by n)
  std::vector<long> sector_counts;    // sector k covers angles [k, k+1) * 2 pi / sectors from +x
  double max_sector_deviation = 0.0;  // max_k |count_k - n/sectors| / (n/sectors)
  double chi2 = 0.0;                  // Pearson: sum_k (count_k - n/sectors)^2 / (n/sectors)
  int dof = 0;                        // sectors - 1
  double chi2_p_value = 0.0;          // P(X >= chi2), X ~ chi^2(dof)
};
// Points with a non-finite coordinate are skipped. Throws
// std::invalid_argument unless points has 2 rows and sectors >= 2.
RingStats ring_stats(const Eigen::Ref<const Eigen::MatrixXd>& points, int sectors = 12);

// ---------------------------------------------------------------------------
// All of them

struct Metrics {
  KlResult kl;
  L2Result l2;
  MmdResult mmd;
  std::optional<RingStats> ring_generated;
  std::optional<RingStats> ring_target;
  long n_generated = 0;
  long n_target = 0;

  nlohmann::json to_json() const;
  // One line: "KL=... L2=... MMD2=... (h=...) ring r=...±... sector dev=...".
  std::string summary() const;
  // Several lines, one quantity per line.
  std::string report() const;
};

// Throws InputError for invalid options and std::invalid_argument unless
// both sets are 2 x N with N >= 2.
Metrics compute_metrics(const Eigen::Ref<const Eigen::MatrixXd>& generated,
                        const Eigen::Ref<const Eigen::MatrixXd>& target, const MetricsOptions& options = {});

}  // namespace memcosim::analysis
