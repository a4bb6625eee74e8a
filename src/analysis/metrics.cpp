#include "analysis/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <sstream>
#include <stdexcept>

#include <boost/math/special_functions/gamma.hpp>
#include <nlohmann/json.hpp>

#include "util/numbers.hpp"
#include "util/random.hpp"

namespace memcosim::analysis {

namespace {

void require_2d(const Eigen::Ref<const Eigen::MatrixXd>& points, const char* who) {
  if (points.rows() != 2)
    throw std::invalid_argument(std::string(who) + ": points must be 2 x N (got " + std::to_string(points.rows()) +
                                " rows)");
}

// Separable Gaussian blur of a square grid, zero outside, then renormalised
// to sum 1 (the mass blurred off the grid is put back proportionally).
Eigen::MatrixXd blur(const Eigen::MatrixXd& p, double sigma) {
  const int radius = static_cast<int>(std::ceil(3.0 * sigma));
  std::vector<double> w(2 * static_cast<std::size_t>(radius) + 1);
  double wsum = 0.0;
  for (std::size_t i = 0; i < w.size(); ++i) {  // tap i is offset i - radius
    const double j = static_cast<double>(i) - radius;
    w[i] = std::exp(-0.5 * j * j / (sigma * sigma));
    wsum += w[i];
  }
  for (double& v : w) v /= wsum;
  const Eigen::Index n = p.rows();
  Eigen::MatrixXd tmp = Eigen::MatrixXd::Zero(n, n), out = Eigen::MatrixXd::Zero(n, n);
  // along the first index
  for (Eigen::Index iy = 0; iy < n; ++iy)
    for (Eigen::Index ix = 0; ix < n; ++ix)
      for (std::size_t i = 0; i < w.size(); ++i) {
        const Eigen::Index k = ix + static_cast<Eigen::Index>(i) - radius;
        if (k >= 0 && k < n) tmp(ix, iy) += w[i] * p(k, iy);
      }
  // along the second index
  for (Eigen::Index iy = 0; iy < n; ++iy)
    for (Eigen::Index ix = 0; ix < n; ++ix)
      for (std::size_t i = 0; i < w.size(); ++i) {
        const Eigen::Index k = iy + static_cast<Eigen::Index>(i) - radius;
        if (k >= 0 && k < n) out(ix, iy) += w[i] * tmp(ix, k);
      }
  const double s = out.sum();
  if (s > 0.0) out /= s;
  return out;
}

// Indices of up to max_points columns of an n-column set, drawn without
// replacement (partial Fisher–Yates), in drawn order; all columns if n is small.
std::vector<Eigen::Index> subsample(Eigen::Index n, long max_points, std::uint64_t seed) {
  std::vector<Eigen::Index> idx(static_cast<std::size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) idx[static_cast<std::size_t>(i)] = i;
  if (n <= max_points) return idx;
  Rng rng(seed);
  const auto m = static_cast<std::size_t>(max_points);
  for (std::size_t i = 0; i < m; ++i) {
    const auto j = i + static_cast<std::size_t>(rng.below(static_cast<std::uint64_t>(idx.size() - i)));
    std::swap(idx[i], idx[j]);
  }
  idx.resize(m);
  return idx;
}

double sq_dist(const Eigen::MatrixXd& a, Eigen::Index i, const Eigen::MatrixXd& b, Eigen::Index j) {
  return (a.col(i) - b.col(j)).squaredNorm();
}

}  // namespace

// ---------------------------------------------------------------------------

Histogram2d histogram2d(const Eigen::Ref<const Eigen::MatrixXd>& points, int bins, double lo, double hi) {
  require_2d(points, "histogram2d");
  if (bins < 1) throw std::invalid_argument("histogram2d: bins must be >= 1");
  if (!(lo < hi) || !std::isfinite(lo) || !std::isfinite(hi))
    throw std::invalid_argument("histogram2d: need finite lo < hi");
  Histogram2d h;
  h.bins = bins;
  h.lo = lo;
  h.hi = hi;
  h.counts = Eigen::MatrixXd::Zero(bins, bins);
  const double width = (hi - lo) / bins;
  auto edge = [&](int k) { return k == bins ? hi : lo + k * width; };
  auto bin_of = [&](double v) {
    if (v == hi) return bins - 1;
    int k = static_cast<int>(std::floor((v - lo) / width));
    k = std::clamp(k, 0, bins - 1);
    // Settle points within rounding of an edge as numpy's searchsorted would.
    if (v < edge(k))
      --k;
    else if (k + 1 < bins && v >= edge(k + 1))
      ++k;
    return k;
  };
  for (Eigen::Index j = 0; j < points.cols(); ++j) {
    const double x = points(0, j), y = points(1, j);
    if (!(x >= lo && x <= hi && y >= lo && y <= hi)) {  // also catches NaN
      ++h.outside;
      continue;
    }
    h.counts(bin_of(x), bin_of(y)) += 1.0;
    ++h.inside;
  }
  return h;
}

KlResult histogram_kl(const Eigen::Ref<const Eigen::MatrixXd>& generated,
                      const Eigen::Ref<const Eigen::MatrixXd>& target, const KlOptions& options) {
  require_2d(generated, "histogram_kl");
  require_2d(target, "histogram_kl");
  if (!(options.blur_sigma >= 0.0) || !(options.epsilon >= 0.0 && options.epsilon < 1.0))
    throw std::invalid_argument("histogram_kl: need blur_sigma >= 0 and 0 <= epsilon < 1");
  const Histogram2d hg = histogram2d(generated, options.bins, options.lo, options.hi);
  const Histogram2d ht = histogram2d(target, options.bins, options.lo, options.hi);
  KlResult r;
  r.outside_generated = hg.total() ? static_cast<double>(hg.outside) / hg.total() : 0.0;
  r.outside_target = ht.total() ? static_cast<double>(ht.outside) / ht.total() : 0.0;
  if (hg.inside == 0 || ht.inside == 0) {
    r.ok = false;
    r.kl = std::numeric_limits<double>::quiet_NaN();
    r.message =
        hg.inside == 0 ? "no generated point inside the histogram range" : "no target point inside the histogram range";
    return r;
  }
  auto smooth = [&](const Histogram2d& h) {
    Eigen::MatrixXd p = h.counts / static_cast<double>(h.inside);
    if (options.blur_sigma > 0.0) p = blur(p, options.blur_sigma);
    const double uniform = 1.0 / (static_cast<double>(options.bins) * options.bins);
    return Eigen::MatrixXd(((1.0 - options.epsilon) * p).array() + options.epsilon * uniform);
  };
  const Eigen::MatrixXd p = smooth(ht), q = smooth(hg);
  double kl = 0.0;
  for (Eigen::Index i = 0; i < p.size(); ++i) {
    const double a = p.data()[i], b = q.data()[i];
    if (a > 0.0) kl += a * std::log(a / b);  // b == 0 < a gives +inf, as it should
  }
  r.ok = std::isfinite(kl);
  r.message = r.ok ? "ok" : "generated histogram is zero where the target's is not (epsilon = 0)";
  r.kl = kl;
  return r;
}

L2Result histogram_l2(const Eigen::Ref<const Eigen::MatrixXd>& generated,
                      const Eigen::Ref<const Eigen::MatrixXd>& target, const L2Options& options) {
  require_2d(generated, "histogram_l2");
  require_2d(target, "histogram_l2");
  if (generated.cols() == 0 || target.cols() == 0)
    throw std::invalid_argument("histogram_l2: both sets need at least one point");
  const Histogram2d hg = histogram2d(generated, options.bins, options.lo, options.hi);
  const Histogram2d ht = histogram2d(target, options.bins, options.lo, options.hi);
  L2Result r;
  r.outside_generated = static_cast<double>(hg.outside) / hg.total();
  r.outside_target = static_cast<double>(ht.outside) / ht.total();
  r.l2 = (hg.counts / static_cast<double>(hg.total()) - ht.counts / static_cast<double>(ht.total())).norm();
  return r;
}

MmdResult mmd_rbf(const Eigen::Ref<const Eigen::MatrixXd>& generated, const Eigen::Ref<const Eigen::MatrixXd>& target,
                  const MmdOptions& options) {
  if (generated.rows() != target.rows()) throw std::invalid_argument("mmd_rbf: the sets have different dimensions");
  if (generated.cols() < 2 || target.cols() < 2)
    throw std::invalid_argument("mmd_rbf: each set needs at least 2 points");
  if (options.max_points < 2) throw std::invalid_argument("mmd_rbf: max_points must be >= 2");
  if (!(options.bandwidth >= 0.0)) throw std::invalid_argument("mmd_rbf: bandwidth must be >= 0");

  auto take = [&](const Eigen::Ref<const Eigen::MatrixXd>& s, const char* purpose) {
    const auto idx = subsample(s.cols(), options.max_points, derive_seed(options.seed, purpose));
    Eigen::MatrixXd out(s.rows(), static_cast<Eigen::Index>(idx.size()));
    for (std::size_t k = 0; k < idx.size(); ++k) out.col(static_cast<Eigen::Index>(k)) = s.col(idx[k]);
    return out;
  };
  const Eigen::MatrixXd x = take(generated, "mmd.generated");
  const Eigen::MatrixXd y = take(target, "mmd.target");
  const Eigen::Index m = x.cols(), n = y.cols();

  MmdResult r;
  r.n_generated = static_cast<long>(m);
  r.n_target = static_cast<long>(n);
  double sigma = options.bandwidth;
  if (sigma == 0.0) {
    Eigen::MatrixXd pooled(x.rows(), m + n);
    pooled << x, y;
    const Eigen::Index p = pooled.cols();
    std::vector<double> d2;
    d2.reserve(static_cast<std::size_t>(p * (p - 1) / 2));
    for (Eigen::Index j = 1; j < p; ++j)
      for (Eigen::Index i = 0; i < j; ++i) d2.push_back(sq_dist(pooled, i, pooled, j));
    // numpy-style median: mean of the two middle values for an even count.
    const std::size_t mid = d2.size() / 2;
    std::nth_element(d2.begin(), d2.begin() + static_cast<std::ptrdiff_t>(mid), d2.end());
    double med = std::sqrt(d2[mid]);
    if (d2.size() % 2 == 0) {
      const double lower = *std::max_element(d2.begin(), d2.begin() + static_cast<std::ptrdiff_t>(mid));
      med = 0.5 * (med + std::sqrt(lower));
    }
    sigma = med > 0.0 ? med : 1.0;  // all points identical: any bandwidth gives MMD = 0
  }
  r.bandwidth = sigma;
  const double c = -0.5 / (sigma * sigma);
  auto within = [&](const Eigen::MatrixXd& s) {
    double sum = 0.0;
    for (Eigen::Index j = 1; j < s.cols(); ++j)
      for (Eigen::Index i = 0; i < j; ++i) sum += std::exp(c * sq_dist(s, i, s, j));
    const double k = static_cast<double>(s.cols());
    return 2.0 * sum / (k * (k - 1.0));
  };
  double cross = 0.0;
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = 0; i < m; ++i) cross += std::exp(c * sq_dist(x, i, y, j));
  cross /= static_cast<double>(m) * static_cast<double>(n);
  r.mmd2 = within(x) + within(y) - 2.0 * cross;
  return r;
}

RingStats ring_stats(const Eigen::Ref<const Eigen::MatrixXd>& points, int sectors) {
  require_2d(points, "ring_stats");
  if (sectors < 2) throw std::invalid_argument("ring_stats: sectors must be >= 2");
  RingStats s;
  s.sector_counts.assign(static_cast<std::size_t>(sectors), 0);
  s.dof = sectors - 1;
  const double two_pi = 2.0 * std::numbers::pi;
  std::vector<double> radii;
  radii.reserve(static_cast<std::size_t>(points.cols()));
  for (Eigen::Index j = 0; j < points.cols(); ++j) {
    const double x = points(0, j), y = points(1, j);
    if (!std::isfinite(x) || !std::isfinite(y)) continue;
    radii.push_back(std::hypot(x, y));
    double a = std::atan2(y, x);
    if (a < 0.0) a += two_pi;
    int k = static_cast<int>(std::floor(a / two_pi * sectors));
    k = std::clamp(k, 0, sectors - 1);
    ++s.sector_counts[static_cast<std::size_t>(k)];
  }
  s.n = static_cast<long>(radii.size());
  if (s.n == 0) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    s.radius_mean = s.radius_std = s.max_sector_deviation = s.chi2 = s.chi2_p_value = nan;
    return s;
  }
  const double n = static_cast<double>(s.n);
  double sum = 0.0;
  for (double r : radii) sum += r;
  s.radius_mean = sum / n;
  double ss = 0.0;  // two-pass variance
  for (double r : radii) ss += (r - s.radius_mean) * (r - s.radius_mean);
  s.radius_std = std::sqrt(ss / n);
  const double expected = n / sectors;
  for (long c : s.sector_counts) {
    const double d = static_cast<double>(c) - expected;
    s.max_sector_deviation = std::max(s.max_sector_deviation, std::abs(d) / expected);
    s.chi2 += d * d / expected;
  }
  s.chi2_p_value = boost::math::gamma_q(0.5 * s.dof, 0.5 * s.chi2);
  return s;
}

// ---------------------------------------------------------------------------

std::vector<Diagnostic> MetricsOptions::check(const std::string& prefix) const {
  std::vector<Diagnostic> out;
  const std::string p = prefix.empty() ? std::string() : prefix + ".";
  auto bad = [&](const std::string& key, const std::string& msg) {
    Diagnostic d;
    d.key_path = p + key;
    d.message = msg;
    out.push_back(std::move(d));
  };
  if (kl.bins < 1) bad("kl.bins", "must be >= 1 (got " + std::to_string(kl.bins) + ")");
  if (!(kl.lo < kl.hi)) bad("kl.hi", "must be > kl.lo (got " + text_number(kl.hi) + " <= " + text_number(kl.lo) + ")");
  if (!(kl.blur_sigma >= 0.0)) bad("kl.blur_sigma", "must be >= 0 (got " + text_number(kl.blur_sigma) + ")");
  if (!(kl.epsilon >= 0.0 && kl.epsilon < 1.0))
    bad("kl.epsilon", "must be in [0, 1) (got " + text_number(kl.epsilon) + ")");
  if (l2.bins < 1) bad("l2.bins", "must be >= 1 (got " + std::to_string(l2.bins) + ")");
  if (!(l2.lo < l2.hi)) bad("l2.hi", "must be > l2.lo (got " + text_number(l2.hi) + " <= " + text_number(l2.lo) + ")");
  if (mmd.max_points < 2) bad("mmd.max_points", "must be >= 2 (got " + std::to_string(mmd.max_points) + ")");
  if (!(mmd.bandwidth >= 0.0))
    bad("mmd.bandwidth", "must be >= 0, 0 = median heuristic (got " + text_number(mmd.bandwidth) + ")");
  if (ring.sectors < 2) bad("ring.sectors", "must be >= 2 (got " + std::to_string(ring.sectors) + ")");
  return out;
}

Metrics compute_metrics(const Eigen::Ref<const Eigen::MatrixXd>& generated,
                        const Eigen::Ref<const Eigen::MatrixXd>& target, const MetricsOptions& options) {
  if (auto diags = options.check(); !diags.empty()) throw InputError(std::move(diags));
  require_2d(generated, "compute_metrics");
  require_2d(target, "compute_metrics");
  Metrics m;
  m.n_generated = static_cast<long>(generated.cols());
  m.n_target = static_cast<long>(target.cols());
  m.kl = histogram_kl(generated, target, options.kl);
  m.l2 = histogram_l2(generated, target, options.l2);
  if (generated.cols() >= 2 && target.cols() >= 2) {
    m.mmd = mmd_rbf(generated, target, options.mmd);
  } else {  // the unbiased MMD needs two points per set: undefined (null in JSON)
    m.mmd.mmd2 = m.mmd.bandwidth = std::numeric_limits<double>::quiet_NaN();
    m.mmd.n_generated = m.n_generated;
    m.mmd.n_target = m.n_target;
  }
  if (options.ring.enabled) {
    m.ring_generated = ring_stats(generated, options.ring.sectors);
    m.ring_target = ring_stats(target, options.ring.sectors);
  }
  return m;
}

namespace {
nlohmann::json ring_json(const std::optional<RingStats>& r) {
  if (!r) return nullptr;
  return {{"n", r->n},
          {"radius_mean", r->radius_mean},
          {"radius_std", r->radius_std},
          {"sector_counts", r->sector_counts},
          {"max_sector_deviation", r->max_sector_deviation},
          {"chi2", r->chi2},
          {"dof", r->dof},
          {"chi2_p_value", r->chi2_p_value}};
}
}  // namespace

nlohmann::json Metrics::to_json() const {
  return {
      {"n_generated", n_generated},
      {"n_target", n_target},
      {"kl",
       {{"ok", kl.ok},
        {"message", kl.message},
        {"value", kl.kl},
        {"outside_generated", kl.outside_generated},
        {"outside_target", kl.outside_target}}},
      {"l2", {{"value", l2.l2}, {"outside_generated", l2.outside_generated}, {"outside_target", l2.outside_target}}},
      {"mmd",
       {{"mmd2", mmd.mmd2},
        {"bandwidth", mmd.bandwidth},
        {"n_generated", mmd.n_generated},
        {"n_target", mmd.n_target}}},
      {"ring_generated", ring_json(ring_generated)},
      {"ring_target", ring_json(ring_target)}};
}

std::string Metrics::summary() const {
  std::string s = "KL=" + printf_number("%.4g", kl.kl) + " L2=" + printf_number("%.4g", l2.l2) +
                  " MMD2=" + printf_number("%.3g", mmd.mmd2) + " (h=" + printf_number("%.3g", mmd.bandwidth) + ")";
  if (ring_generated)
    s += " ring r=" + printf_number("%.3f", ring_generated->radius_mean) + "+-" +
         printf_number("%.3f", ring_generated->radius_std) +
         " sector dev=" + printf_number("%.1f", 100.0 * ring_generated->max_sector_deviation) + "%";
  return s;
}

std::string Metrics::report() const {
  std::ostringstream o;
  o << "points:        generated " << n_generated << ", target " << n_target << "\n";
  o << "histogram KL:  " << printf_number("%.6g", kl.kl) << " nats (target || generated)"
    << (kl.ok ? "" : " [" + kl.message + "]") << "; outside range: generated "
    << printf_number("%.3g", 100.0 * kl.outside_generated) << "%, target "
    << printf_number("%.3g", 100.0 * kl.outside_target) << "%\n";
  o << "histogram L2:  " << printf_number("%.6g", l2.l2) << "; outside range: generated "
    << printf_number("%.3g", 100.0 * l2.outside_generated) << "%, target "
    << printf_number("%.3g", 100.0 * l2.outside_target) << "%\n";
  o << "MMD^2 (RBF):   " << printf_number("%.4g", mmd.mmd2) << " (bandwidth " << printf_number("%.4g", mmd.bandwidth)
    << ", " << mmd.n_generated << " vs " << mmd.n_target << " points)\n";
  auto ring = [&](const char* name, const std::optional<RingStats>& r) {
    if (!r) return;
    o << name << "radius " << printf_number("%.4f", r->radius_mean) << " +- " << printf_number("%.4f", r->radius_std)
      << ", " << r->sector_counts.size() << " sectors: max deviation "
      << printf_number("%.2f", 100.0 * r->max_sector_deviation) << "%, chi2 " << printf_number("%.3g", r->chi2)
      << " (dof " << r->dof << ", p " << printf_number("%.3g", r->chi2_p_value) << ")\n";
  };
  ring("ring (gen):    ", ring_generated);
  ring("ring (target): ", ring_target);
  return o.str();
}

}  // namespace memcosim::analysis
