// Distribution metrics and trajectory resampling against hand-computed values.
#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/metrics.hpp"
#include "analysis/resample.hpp"
#include "util/random.hpp"

using namespace memcosim;
using Eigen::MatrixXd;

namespace {

MatrixXd points(std::initializer_list<std::pair<double, double>> pts) {
  MatrixXd m(2, static_cast<Eigen::Index>(pts.size()));
  Eigen::Index j = 0;
  for (auto [x, y] : pts) {
    m(0, j) = x;
    m(1, j) = y;
    ++j;
  }
  return m;
}

MatrixXd gaussian(std::uint64_t seed, long n, double shift = 0.0) {
  Rng rng(seed);
  MatrixXd m(2, n);
  rng.fill_normal(m);
  m.array() += shift;
  return m;
}

// Points on circles: `per_sector[k]` points at the centre angle of sector k,
// alternating between radius r1 and r2.
MatrixXd ring_points(const std::vector<int>& per_sector, double r1, double r2) {
  const int sectors = static_cast<int>(per_sector.size());
  std::vector<std::pair<double, double>> pts;
  int flip = 0;
  for (int k = 0; k < sectors; ++k)
    for (int i = 0; i < per_sector[static_cast<std::size_t>(k)]; ++i) {
      const double a = (k + 0.5) * 2.0 * std::numbers::pi / sectors;
      const double r = (flip++ % 2 == 0) ? r1 : r2;
      pts.emplace_back(r * std::cos(a), r * std::sin(a));
    }
  MatrixXd m(2, static_cast<Eigen::Index>(pts.size()));
  for (std::size_t j = 0; j < pts.size(); ++j) {
    m(0, static_cast<Eigen::Index>(j)) = pts[j].first;
    m(1, static_cast<Eigen::Index>(j)) = pts[j].second;
  }
  return m;
}

}  // namespace

TEST_CASE("histogram2d follows numpy's bin-edge convention", "[metrics]") {
  // 2 bins on [0, 2]: edges 0, 1, 2. An interior edge goes right; hi goes
  // into the last bin; beyond hi and NaN are outside.
  const MatrixXd p =
      points({{0.0, 0.0}, {1.0, 0.5}, {2.0, 2.0}, {0.999, 1.0}, {2.0000001, 0.0}, {std::nan(""), 0.0}, {-0.1, 1.0}});
  const analysis::Histogram2d h = analysis::histogram2d(p, 2, 0.0, 2.0);
  CHECK(h.inside == 4);
  CHECK(h.outside == 3);
  CHECK(h.counts(0, 0) == 1);
  CHECK(h.counts(1, 0) == 1);
  CHECK(h.counts(1, 1) == 1);
  CHECK(h.counts(0, 1) == 1);
  CHECK_THROWS_AS(analysis::histogram2d(MatrixXd(3, 2), 2, 0.0, 1.0), std::invalid_argument);
}

TEST_CASE("Histogram KL: zero against itself, hand-computed without blur", "[metrics]") {
  SECTION("a set against itself: exactly 0, with the default blur and mixing") {
    const MatrixXd a = gaussian(1, 5000);
    const analysis::KlResult r = analysis::histogram_kl(a, a);
    CHECK(r.ok);
    CHECK(r.kl == Approx(0.0).margin(1e-15));
    // Two independent draws of the same distribution: small but positive.
    const analysis::KlResult r2 = analysis::histogram_kl(gaussian(2, 5000), a);
    CHECK(r2.kl > 0.0);
    CHECK(r2.kl < 0.05);
  }
  SECTION("2 x 2 bins on [0, 2]^2, blur off, eps = 0.2") {
    // target: 3 points in bin (0,0), 1 in (1,1)           -> p = [.75, 0, 0, .25]
    // generated: 2 in (0,0), 1 in (0,1), 1 in (1,1), 1 outside
    //                                                      -> q = [.5, .25, 0, .25]
    // (bins listed (0,0), (0,1), (1,0), (1,1); outside points are not binned)
    // mixed: p' = .8 p + .05 = [.65, .05, .05, .25], q' = [.45, .25, .05, .25]
    const MatrixXd target = points({{0.1, 0.1}, {0.2, 0.9}, {0.5, 0.5}, {1.5, 1.5}});
    const MatrixXd gen = points({{0.1, 0.2}, {0.3, 0.3}, {0.5, 1.5}, {1.9, 1.1}, {3.0, 0.0}});
    analysis::KlOptions o;
    o.bins = 2;
    o.lo = 0.0;
    o.hi = 2.0;
    o.blur_sigma = 0.0;
    o.epsilon = 0.2;
    const analysis::KlResult r = analysis::histogram_kl(gen, target, o);
    const double expected = 0.65 * std::log(0.65 / 0.45) + 0.05 * std::log(0.05 / 0.25);
    CHECK(r.ok);
    CHECK(r.kl == Approx(expected).epsilon(1e-12));
    CHECK(r.outside_generated == Approx(0.2));
    CHECK(r.outside_target == 0.0);
    // Without mixing: 0.75 ln(0.75 / 0.5).
    o.epsilon = 0.0;
    CHECK(analysis::histogram_kl(gen, target, o).kl == Approx(0.75 * std::log(1.5)).epsilon(1e-12));
  }
  SECTION("disjoint supports: the uniform mixture bounds KL") {
    // All target mass in one bin, all generated mass in another (50 x 50 bins).
    // p'_A = 1 - eps + eps/B, q'_A = eps/B, and symmetric at the other bin.
    const MatrixXd target = points({{-3.9, -3.9}});
    const MatrixXd gen = points({{3.9, 3.9}});
    analysis::KlOptions o;
    o.blur_sigma = 0.0;
    const double B = 2500.0, e = o.epsilon;
    const double hi = 1.0 - e + e / B, lo = e / B;
    const double expected = hi * std::log(hi / lo) + lo * std::log(lo / hi);
    CHECK(analysis::histogram_kl(gen, target, o).kl == Approx(expected).epsilon(1e-10));
    // With blur on (mass spread over 7 x 7 bins, partly off the grid and
    // renormalised) the supports stay disjoint; KL <= max ln(p'/q') still holds.
    o.blur_sigma = 1.0;
    const double blurred = analysis::histogram_kl(gen, target, o).kl;
    CHECK(blurred > 0.0);
    CHECK(blurred <= std::log((1.0 - e + e / B) / (e / B)));
  }
  SECTION("blur: a one-bin shift, computed from the kernel by hand") {
    // Default grid (50 bins on [-4, 4], width 0.16). Target at bin (25, 25),
    // generated at bin (26, 25): far from the edges, so nothing is blurred
    // off the grid. Blurred target T(i,j) = w(i-25) w(j-25), generated
    // G(i,j) = w(i-26) w(j-25), w(k) = exp(-k^2/2)/Z on |k| <= 3, else 0;
    // then mixed with the uniform distribution (eps = 1e-6).
    const MatrixXd target = points({{0.08, 0.08}});
    const MatrixXd gen = points({{0.24, 0.08}});
    analysis::KlOptions o;
    auto w = [](int k) {
      if (k < -3 || k > 3) return 0.0;
      double z = 0.0;
      for (int j = -3; j <= 3; ++j) z += std::exp(-0.5 * j * j);
      return std::exp(-0.5 * k * k) / z;
    };
    const double eps = o.epsilon, u = eps / 2500.0;
    double expected = 0.0;
    for (int i = 0; i < 50; ++i)
      for (int j = 0; j < 50; ++j) {
        const double p = (1.0 - eps) * w(i - 25) * w(j - 25) + u;
        const double q = (1.0 - eps) * w(i - 26) * w(j - 25) + u;
        expected += p * std::log(p / q);
      }
    const double blurred = analysis::histogram_kl(gen, target, o).kl;
    CHECK(blurred == Approx(expected).epsilon(1e-12));
    // Blurring makes the shifted histograms overlap: far cheaper than sharp.
    o.blur_sigma = 0.0;
    const double sharp = analysis::histogram_kl(gen, target, o).kl;
    CHECK(blurred < 0.2 * sharp);
  }
  SECTION("no point in range: NaN with a reason") {
    const MatrixXd far = points({{10.0, 10.0}});
    const analysis::KlResult r = analysis::histogram_kl(far, gaussian(3, 10));
    CHECK_FALSE(r.ok);
    CHECK(std::isnan(r.kl));
    CHECK(r.outside_generated == 1.0);
  }
}

TEST_CASE("Histogram L2 divides by all points, in range or not", "[metrics]") {
  // 2 x 2 bins on [-1, 1]^2 (edges -1, 0, 1).
  // generated: (0,0) bin twice, (1,1) bin once (the corner (1, 1) counts, as
  // in numpy), one point outside -> p = [2, 0, 0, 1] / 4
  // target: one in (0,0), one in (0,1) -> q = [1, 1, 0, 0] / 2
  // L2 = sqrt((.5 - .5)^2 + (0 - .5)^2 + 0 + (.25 - 0)^2) = sqrt(0.3125)
  const MatrixXd gen = points({{-0.5, -0.5}, {-0.1, -0.9}, {1.0, 1.0}, {1.5, 0.0}});
  const MatrixXd target = points({{-0.5, -0.5}, {-0.5, 0.5}});
  analysis::L2Options o;
  o.bins = 2;
  const analysis::L2Result r = analysis::histogram_l2(gen, target, o);
  CHECK(r.l2 == Approx(std::sqrt(0.3125)).epsilon(1e-14));
  CHECK(r.outside_generated == 0.25);
  CHECK(r.outside_target == 0.0);
  CHECK(analysis::histogram_l2(gen, gen, o).l2 == 0.0);
}

TEST_CASE("MMD^2: hand-computed, ~0 for equal distributions, > 0 when shifted", "[metrics]") {
  SECTION("four points on a unit square") {
    // x = {(0,0), (1,0)}, y = {(0,1), (1,1)}. Pooled pairwise distances
    // 1,1,1,1,sqrt2,sqrt2 -> median 1 = sigma, k(d) = exp(-d^2/2).
    // MMD^2 = k(1) + k(1) - 2 (2 k(1) + 2 k(sqrt2)) / 4 = e^-0.5 - e^-1.
    const MatrixXd x = points({{0, 0}, {1, 0}});
    const MatrixXd y = points({{0, 1}, {1, 1}});
    const analysis::MmdResult r = analysis::mmd_rbf(x, y);
    CHECK(r.bandwidth == Approx(1.0).epsilon(1e-15));
    CHECK(r.mmd2 == Approx(std::exp(-0.5) - std::exp(-1.0)).epsilon(1e-14));
    analysis::MmdOptions o;
    o.bandwidth = 2.0;  // given bandwidth: k(d) = exp(-d^2/8)
    const analysis::MmdResult g = analysis::mmd_rbf(x, y, o);
    CHECK(g.bandwidth == 2.0);
    CHECK(g.mmd2 == Approx(std::exp(-1.0 / 8) - std::exp(-2.0 / 8)).epsilon(1e-14));
  }
  SECTION("statistics: replicate pairs from one distribution vs a shifted one") {
    // 8 independent pairs of N(0, I) sets of 400 points: the unbiased
    // estimate averages to 0 (|mean| <= 4 SE of the mean), and a 0.5 shift
    // gives MMD^2 far above the null spread (> 10 null std).
    std::vector<double> null;
    for (std::uint64_t k = 0; k < 8; ++k)
      null.push_back(analysis::mmd_rbf(gaussian(100 + k, 400), gaussian(200 + k, 400)).mmd2);
    double mean = 0.0, var = 0.0;
    for (double v : null) mean += v / 8.0;
    for (double v : null) var += (v - mean) * (v - mean) / 7.0;
    const double sd = std::sqrt(var);
    CAPTURE(mean, sd);
    CHECK(std::abs(mean) <= 4.0 * sd / std::sqrt(8.0));
    const double shifted = analysis::mmd_rbf(gaussian(300, 400, 0.5), gaussian(301, 400)).mmd2;
    CAPTURE(shifted);
    CHECK(shifted > 10.0 * sd);
    CHECK(shifted > 0.02);
  }
  SECTION("subsampling is capped, seeded and deterministic") {
    const MatrixXd a = gaussian(7, 3000), b = gaussian(8, 2500);
    analysis::MmdOptions o;
    o.max_points = 500;
    const auto r1 = analysis::mmd_rbf(a, b, o);
    const auto r2 = analysis::mmd_rbf(a, b, o);
    CHECK(r1.n_generated == 500);
    CHECK(r1.n_target == 500);
    CHECK(r1.mmd2 == r2.mmd2);
    o.seed = 1;
    CHECK(analysis::mmd_rbf(a, b, o).mmd2 != r1.mmd2);
  }
}

TEST_CASE("Ring statistics on points at known radii and angles", "[metrics]") {
  SECTION("uniform: 2 points per sector at radii 1 and 2") {
    const MatrixXd p = ring_points(std::vector<int>(12, 2), 1.0, 2.0);
    const analysis::RingStats s = analysis::ring_stats(p);
    CHECK(s.n == 24);
    CHECK(s.radius_mean == Approx(1.5).epsilon(1e-14));
    CHECK(s.radius_std == Approx(0.5).epsilon(1e-12));
    for (long c : s.sector_counts) CHECK(c == 2);
    CHECK(s.max_sector_deviation == Approx(0.0).margin(1e-14));
    CHECK(s.chi2 == Approx(0.0).margin(1e-14));
    CHECK(s.dof == 11);
    CHECK(s.chi2_p_value == Approx(1.0));
  }
  SECTION("one sector with double weight") {
    std::vector<int> counts(12, 2);
    counts[0] = 4;  // n = 26, expected 26/12 per sector
    const analysis::RingStats s = analysis::ring_stats(ring_points(counts, 0.7, 0.7));
    const double e = 26.0 / 12.0;
    CHECK(s.n == 26);
    CHECK(s.radius_mean == Approx(0.7).epsilon(1e-14));
    CHECK(s.radius_std == Approx(0.0).margin(1e-7));
    CHECK(s.sector_counts[0] == 4);
    CHECK(s.max_sector_deviation == Approx((4.0 - e) / e).epsilon(1e-14));
    CHECK(s.chi2 == Approx((4.0 - e) * (4.0 - e) / e + 11.0 * (2.0 - e) * (2.0 - e) / e).epsilon(1e-13));
  }
  SECTION("p-value: chi^2 with 2 dof has survival exp(-x/2)") {
    // 3 sectors with counts 5, 1, 0: expected 2, chi2 = (9 + 1 + 4) / 2 = 7.
    const analysis::RingStats s = analysis::ring_stats(ring_points({5, 1, 0}, 1.0, 1.0), 3);
    CHECK(s.chi2 == Approx(7.0).epsilon(1e-14));
    CHECK(s.chi2_p_value == Approx(std::exp(-3.5)).epsilon(1e-12));
    CHECK(s.max_sector_deviation == Approx(1.5).epsilon(1e-14));
  }
}

TEST_CASE("compute_metrics: all together, JSON and summaries", "[metrics]") {
  // A ring target as in the paper: radius ~ N(0.7, 0.04^2), uniform angle.
  Rng rng(5);
  auto ring = [&](long n) {
    MatrixXd m(2, n);
    for (long j = 0; j < n; ++j) {
      const double r = rng.normal(0.7, 0.04), a = rng.uniform(0.0, 2.0 * std::numbers::pi);
      m(0, j) = r * std::cos(a);
      m(1, j) = r * std::sin(a);
    }
    return m;
  };
  const MatrixXd target = ring(4000), good = ring(4000);
  const MatrixXd bad = gaussian(6, 4000) * 0.5;
  const analysis::Metrics mg = analysis::compute_metrics(good, target);
  const analysis::Metrics mb = analysis::compute_metrics(bad, target);
  CHECK(mg.kl.kl < mb.kl.kl);
  CHECK(mg.l2.l2 < mb.l2.l2);
  CHECK(mg.mmd.mmd2 < mb.mmd.mmd2);
  REQUIRE(mg.ring_generated.has_value());
  CHECK(mg.ring_generated->radius_mean == Approx(0.7).epsilon(0.01));
  CHECK(mg.ring_generated->radius_std == Approx(0.04).epsilon(0.1));

  const nlohmann::json j = mg.to_json();
  CHECK(j["kl"]["value"].get<double>() == mg.kl.kl);
  CHECK(j["l2"]["value"].get<double>() == mg.l2.l2);
  CHECK(j["mmd"]["bandwidth"].get<double>() == mg.mmd.bandwidth);
  CHECK(j["ring_generated"]["sector_counts"].size() == 12);
  CHECK(j["n_generated"].get<long>() == 4000);
  CHECK(mg.summary().find("KL=") == 0);
  CHECK(mg.report().find("histogram L2") != std::string::npos);

  analysis::MetricsOptions o;
  o.ring.enabled = false;
  o.kl.bins = 0;
  CHECK_THROWS_AS(analysis::compute_metrics(good, target, o), InputError);
  o.kl.bins = 50;
  const analysis::Metrics no_ring = analysis::compute_metrics(good, target, o);
  CHECK_FALSE(no_ring.ring_generated.has_value());
  CHECK(no_ring.to_json()["ring_generated"].is_null());
}

TEST_CASE("Linear interpolation is exact on linear data, either time direction", "[metrics]") {
  const std::vector<double> t_inc{0.0, 0.1, 0.25, 0.7, 1.0};
  std::vector<double> v_inc;
  for (double t : t_inc) v_inc.push_back(3.0 * t - 1.0);
  const std::vector<double> at{1.0, 0.95, 0.5, 0.3, 0.1, 0.05, 0.0};
  const auto a = analysis::interpolate_linear(t_inc, v_inc, at);
  for (std::size_t i = 0; i < at.size(); ++i) CHECK(a[i] == Approx(3.0 * at[i] - 1.0).margin(1e-14));

  const std::vector<double> t_dec(t_inc.rbegin(), t_inc.rend());
  const std::vector<double> v_dec(v_inc.rbegin(), v_inc.rend());
  const auto b = analysis::interpolate_linear(t_dec, v_dec, at);
  for (std::size_t i = 0; i < at.size(); ++i) CHECK(b[i] == Approx(3.0 * at[i] - 1.0).margin(1e-14));

  // A repeated time (simulator breakpoint): a jump; the later sample holds at the jump.
  const std::vector<double> tj{0.0, 1.0, 1.0, 2.0}, vj{0.0, 1.0, 5.0, 6.0};
  const auto c = analysis::interpolate_linear(tj, vj, std::vector<double>{0.5, 1.0, 1.5});
  CHECK(c[0] == 0.5);
  CHECK(c[1] == 5.0);
  CHECK(c[2] == 5.5);

  CHECK_THROWS_AS(analysis::interpolate_linear(t_inc, v_inc, std::vector<double>{1.1}), std::invalid_argument);
  CHECK_THROWS_AS(analysis::interpolate_linear(std::vector<double>{0.0, 1.0, 0.5}, std::vector<double>{0, 0, 0},
                                               std::vector<double>{0.2}),
                  std::invalid_argument);
}

TEST_CASE("Series error: max and RMS", "[metrics]") {
  const std::vector<double> a{1.0, 2.0, 3.0, 4.0}, b{1.0, 2.5, 2.0, 4.0};
  const analysis::SeriesError e = analysis::series_error(a, b);
  CHECK(e.max_abs == 1.0);
  CHECK(e.argmax == 2);
  CHECK(e.rms == Approx(std::sqrt((0.25 + 1.0) / 4.0)).epsilon(1e-15));
  CHECK_THROWS_AS(analysis::series_error(a, std::vector<double>{1.0}), std::invalid_argument);
}
