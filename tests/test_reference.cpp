// Reference sampler: PF-ODE and reverse SDE against closed forms for
// Gaussian data, Brownian paths, block-size independence, speed print.
//
// Gaussian data N(0, s^2 I) under a VP schedule S: x_t ~ N(0, v(t) I) with
// v(t) = alpha(t)^2 s^2 + sigma(t)^2 = 1 + c e^{-B(t)}, c = s^2 - 1, and the
// exact score is -x / v(t). That makes both samplers linear, with closed forms
// independent of the code under test.
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <string>
#include <utility>
#include <vector>

#include <boost/numeric/odeint/integrate/integrate_n_steps.hpp>

#include "reference/euler_maruyama.hpp"
#include "reference/ode_solver.hpp"
#include "reference/sampler.hpp"
#include "reference/sde_solver.hpp"
#include "sde/brownian.hpp"
#include "sde/dynamics.hpp"
#include "sde/schedule.hpp"
#include "sde/score.hpp"
#include "util/random.hpp"

using namespace memcosim;
using Eigen::MatrixXd;

namespace {

class GaussianScore : public sde::ScoreModel {
 public:
  GaussianScore(int dim, double s, sde::VpSchedule schedule) : dim_(dim), s2_(s * s), schedule_(schedule) {}
  int dim() const override { return dim_; }
  double v(double t) const {
    const double a = schedule_.alpha(t);
    return a * a * s2_ + schedule_.variance(t);
  }
  void score(const Eigen::Ref<const MatrixXd>& x, double t, Eigen::Ref<MatrixXd> out) const override {
    out = x / (-v(t));
  }

 private:
  int dim_;
  double s2_;
  sde::VpSchedule schedule_;
};

// Largest |a - b| / (rtol |b| + atol) over all elements: <= 1 means within tolerance.
double worst_ratio(const MatrixXd& a, const MatrixXd& b, double rtol, double atol) {
  REQUIRE(a.rows() == b.rows());
  REQUIRE(a.cols() == b.cols());
  return ((a - b).array().abs() / (rtol * b.array().abs() + atol)).maxCoeff();
}

struct Moments {
  double mean, var;
  long count;
};
// Pooled over all elements (dimensions are independent and identically distributed here).
Moments moments(const MatrixXd& x) {
  const double n = static_cast<double>(x.size());
  const double mean = x.sum() / n;
  const double var = (x.array() - mean).square().sum() / (n - 1.0);
  return {mean, var, static_cast<long>(x.size())};
}

// Closed-form variance at t_end of the reverse SDE with the exact Gaussian
// score, started from N(0, P0 I) at t = 1 (see test below for the derivation).
double sde_variance_exact(const sde::VpSchedule& S, double s, double P0, double t_end) {
  const double c = s * s - 1.0;
  auto v = [&](double t) { return 1.0 + c * std::exp(-S.integral(t)); };
  const double B1 = S.integral(1.0), Be = S.integral(t_end);
  const double ratio = (std::exp(Be) + c) / (std::exp(B1) + c);
  return v(t_end) + (P0 - v(1.0)) * std::exp(B1 - Be) * ratio * ratio;
}

// The variance Euler–Maruyama actually produces on the grid (the scheme is
// linear): P <- (1 + a dt)^2 P + beta |dt|, a = beta (1/v - 1/2).
double sde_variance_em(const sde::VpSchedule& S, const GaussianScore& score, double P0,
                       const std::vector<double>& grid) {
  double P = P0;
  for (std::size_t k = 0; k + 1 < grid.size(); ++k) {
    const double t = grid[k], dt = grid[k + 1] - grid[k];
    const double b = S.beta(t);
    const double a = b * (1.0 / score.v(t) - 0.5);
    P = (1.0 + a * dt) * (1.0 + a * dt) * P + b * std::abs(dt);
  }
  return P;
}

// The unconditional network's shape (2 -> 14 -> 14 -> 2, ReLU, Fourier time
// features added to both hidden layers, output gain 5) with random weights:
// for timing only.
class RandomMlpScore : public sde::ScoreModel {
 public:
  explicit RandomMlpScore(std::uint64_t seed) {
    Rng rng(seed);
    auto fill = [&](MatrixXd& m, Eigen::Index r, Eigen::Index c, double scale) {
      m.resize(r, c);
      rng.fill_normal(m);
      m *= scale;
    };
    fill(w1_, 14, 2, 0.7);
    fill(b1_, 14, 1, 0.1);
    fill(w2_, 14, 14, 0.3);
    fill(b2_, 14, 1, 0.1);
    fill(w3_, 2, 14, 0.3);
    fill(b3_, 2, 1, 0.1);
    fill(freq_, 7, 1, 1.0);
  }
  int dim() const override { return 2; }
  void score(const Eigen::Ref<const MatrixXd>& x, double t, Eigen::Ref<MatrixXd> out) const override {
    Eigen::VectorXd e(14);
    for (int k = 0; k < 7; ++k) {
      e(k) = std::sin(2.0 * std::numbers::pi * freq_(k) * t);
      e(k + 7) = std::cos(2.0 * std::numbers::pi * freq_(k) * t);
    }
    h1_.noalias() = w1_ * x;
    h1_ = (h1_.colwise() + (b1_.col(0) + e)).cwiseMax(0.0);
    h2_.noalias() = w2_ * h1_;
    h2_ = (h2_.colwise() + (b2_.col(0) + e)).cwiseMax(0.0);
    out.noalias() = w3_ * h2_;
    out = 5.0 * (out.colwise() + b3_.col(0));
  }

 private:
  MatrixXd w1_, b1_, w2_, b2_, w3_, b3_, freq_;
  mutable MatrixXd h1_, h2_;
};

const sde::VpSchedule kTrained{};  // beta_min 0.001, beta_max 0.5

}  // namespace

// ---------------------------------------------------------------------------
// PF-ODE

TEST_CASE("PF-ODE with the exact Gaussian score follows the linear closed-form flow", "[reference]") {
  // Exact flow: x(t) = x(1) sqrt(v(t) / v(1)) for every sample, because
  // -1/2 beta (1 - 1/v) = v' / (2 v) with v' = -c beta e^{-B}.
  const double s = GENERATE(0.5, 2.0);
  const double k = GENERATE(1.0, 2.0);
  const auto stepper =
      GENERATE(reference::OdeStepper::dopri5, reference::OdeStepper::cash_karp54, reference::OdeStepper::fehlberg78);
  const sde::VpSchedule S = kTrained.scaled(k);
  const GaussianScore score(2, s, S);
  CAPTURE(s, k, reference::to_string(stepper));

  reference::SamplerOptions opt;
  opt.method = reference::Method::pf_ode;
  opt.n = 20000;
  opt.seed = 11;
  opt.ode.stepper = stepper;
  opt.ode.rtol = 1e-9;
  opt.ode.atol = 1e-9;
  opt.observe_times = {1.0, 0.9, 0.5, 0.1, 0.01, opt.t_end};
  const reference::SampleResult r = reference::sample(score, S, opt);
  INFO(r.stats.message);
  REQUIRE(r.stats.ok);
  REQUIRE(r.stats.blocks == 2);
  REQUIRE(r.stats.steps > 0);

  const MatrixXd x1 = reference::initial_states(opt, 2, 0, opt.n);
  auto exact = [&](double t) -> MatrixXd { return x1 * std::sqrt(score.v(t) / score.v(1.0)); };

  // Final points: every sample to 1e-7 relative (absolute floor 1e-9).
  CHECK(worst_ratio(r.samples, exact(opt.t_end), 1e-7, 1e-9) <= 1.0);
  // Observations: dopri5 interpolates (4th-order dense output), the
  // controlled steppers step onto each time; same tolerance for all.
  REQUIRE(r.trajectory.size() == opt.observe_times.size());
  for (std::size_t j = 0; j < opt.observe_times.size(); ++j) {
    CAPTURE(opt.observe_times[j]);
    CHECK(worst_ratio(r.trajectory[j], exact(opt.observe_times[j]), 1e-7, 1e-9) <= 1.0);
  }
  CHECK(r.trajectory.front() == x1);  // observation at t_start is the initial state
  CHECK((r.trajectory.back() - r.samples).cwiseAbs().maxCoeff() <= 1e-12);

  // Sample covariance ~ v(t_end)/v(1) I. x1 ~ N(0, I) with n = 20000:
  // SE(var) = P sqrt(2/(n-1)) ~ 1%, SE(cov) = P / sqrt(n) ~ 0.7%; 5 SE.
  const double P = score.v(opt.t_end) / score.v(1.0);
  const double n = static_cast<double>(opt.n);
  const Eigen::Vector2d mean = r.samples.rowwise().mean();
  const MatrixXd centred = r.samples.colwise() - mean;
  const MatrixXd cov = centred * centred.transpose() / (n - 1.0);
  CHECK(std::abs(cov(0, 0) - P) <= 5.0 * P * std::sqrt(2.0 / (n - 1.0)));
  CHECK(std::abs(cov(1, 1) - P) <= 5.0 * P * std::sqrt(2.0 / (n - 1.0)));
  CHECK(std::abs(cov(0, 1)) <= 5.0 * P / std::sqrt(n));
  CHECK(mean.cwiseAbs().maxCoeff() <= 5.0 * std::sqrt(P / n));
}

TEST_CASE("PF-ODE solver reports max_steps and bad arguments instead of running on", "[reference]") {
  const sde::VpSchedule S = kTrained.scaled(2.0);
  const GaussianScore score(2, 0.5, S);
  MatrixXd x = sde::initial_states(1, 0, 2, 10);
  reference::OdeOptions o;
  o.rtol = o.atol = 1e-12;
  o.max_steps = 5;
  const reference::OdeStats st = reference::integrate_pf_ode(score, S, x, 1.0, 1e-4, o);
  CHECK_FALSE(st.ok);
  CHECK(st.message.find("max_steps") != std::string::npos);
  CHECK(st.steps == 5);
  CHECK(st.rhs_evals > 0);

  o = reference::OdeOptions{};
  o.rtol = -1.0;
  CHECK_THROWS_AS(reference::integrate_pf_ode(score, S, x, 1.0, 1e-4, o), InputError);
  o = reference::OdeOptions{};
  const std::vector<double> not_decreasing{0.5, 0.7};
  CHECK_THROWS_AS(reference::integrate_pf_ode(score, S, x, 1.0, 1e-4, o, not_decreasing), std::invalid_argument);
  const std::vector<double> outside{1.5};
  CHECK_THROWS_AS(reference::integrate_pf_ode(score, S, x, 1.0, 1e-4, o, outside), std::invalid_argument);

  reference::SamplerOptions so;
  so.n = -1;
  so.ode.atol = 0.0;
  so.ode.rtol = 0.0;
  const auto diags = so.check("sampling");
  REQUIRE(diags.size() == 2);
  CHECK(diags[0].key_path == "sampling.n");
  CHECK(diags[1].key_path == "sampling.ode.atol");
}

TEST_CASE("solve_batch_ode stops with ok = false on a non-finite right-hand side", "[reference]") {
  // NaN from t < 0.5 on. odeint's step control does not reject a NaN error
  // estimate, so the solver checks the right-hand side and stops at once.
  const reference::BatchRhs rhs = [](const MatrixXd& x, MatrixXd& d, double t) {
    d = -x;
    if (t < 0.5) d(0, 0) = std::nan("");
  };
  for (auto stepper :
       {reference::OdeStepper::dopri5, reference::OdeStepper::cash_karp54, reference::OdeStepper::fehlberg78}) {
    CAPTURE(reference::to_string(stepper));
    reference::OdeOptions o;
    o.stepper = stepper;
    o.max_steps = 10000;
    MatrixXd x = MatrixXd::Ones(2, 3);
    const reference::OdeStats st = reference::solve_batch_ode(rhs, x, 1.0, 0.0, o);
    INFO(st.message);
    CHECK_FALSE(st.ok);
    const auto at = st.message.find("not finite at t = ");
    REQUIRE(at != std::string::npos);
    const double t_bad = std::stod(st.message.substr(at + 18));
    CHECK(t_bad < 0.5);
    CHECK(t_bad > 0.3);  // stopped where it happened, not at the end
    CHECK(st.steps < 100);
  }
  // The SDE solver likewise.
  const sde::BrownianPath path(1, sde::uniform_grid(1.0, 0.0, 10));
  MatrixXd x = MatrixXd::Ones(2, 3);
  const reference::BatchRhs g = [](const MatrixXd& s, MatrixXd& out, double) {
    out.setConstant(s.rows(), s.cols(), 0.1);
  };
  const reference::SdeStats st = reference::solve_batch_sde(rhs, g, x, path, 0);
  INFO(st.message);
  CHECK_FALSE(st.ok);
  CHECK(st.message.find("drift is not finite at t = 0.4") != std::string::npos);
  CHECK(st.steps == 6);  // steps from 1.0, 0.9, ..., 0.5 completed
}

TEST_CASE("solve_batch_ode integrates forward and backward with every stepper", "[reference]") {
  // dx/dt = -x: x(t1) = x(t0) e^{-(t1 - t0)}, both directions.
  const reference::BatchRhs rhs = [](const MatrixXd& x, MatrixXd& d, double) { d = -x; };
  for (auto stepper :
       {reference::OdeStepper::dopri5, reference::OdeStepper::cash_karp54, reference::OdeStepper::fehlberg78}) {
    for (auto [t0, t1] : {std::pair{0.0, 2.0}, std::pair{2.0, 0.0}}) {
      CAPTURE(reference::to_string(stepper), t0, t1);
      reference::OdeOptions o;
      o.stepper = stepper;
      o.rtol = o.atol = 1e-10;
      o.dt_max = 0.05;
      MatrixXd x = MatrixXd::Constant(3, 4, 2.0);
      const reference::OdeStats st = reference::solve_batch_ode(rhs, x, t0, t1, o);
      REQUIRE(st.ok);
      CHECK(st.steps >= 40);  // dt_max = 0.05 over a span of 2
      const double e = 2.0 * std::exp(-(t1 - t0));
      CHECK((x.array() - e).abs().maxCoeff() <= 1e-8 * e);
    }
  }
  CHECK(reference::parse_ode_stepper("fehlberg78") == reference::OdeStepper::fehlberg78);
  CHECK_FALSE(reference::parse_ode_stepper("rk4").has_value());
}

// ---------------------------------------------------------------------------
// Reverse SDE

TEST_CASE("Reverse SDE with the exact Gaussian score matches the closed-form variance", "[reference]") {
  // Reverse-time variance of the linear SDE dx = b x (1/v - 1/2) dt + sqrt(b) dW:
  //   dP/dt = b P (2/v - 1) - b,  and v solves it (v' = b (1 - v)).
  // D = P - v solves dD/dt = b (2/v - 1) D, and int b/v dt = ln(e^B + c), so
  //   P(t_e) = v_e + (P0 - v_1) e^{B(1) - B(t_e)} ((e^{B(t_e)} + c)/(e^{B(1)} + c))^2.
  const double s = GENERATE(0.5, 2.0);
  const sde::VpSchedule S = kTrained.scaled(2.0);
  const GaussianScore score(2, s, S);
  CAPTURE(s);

  reference::SamplerOptions opt;
  opt.method = reference::Method::sde;
  opt.n = 20000;
  opt.seed = 5;
  opt.sde.steps = 1000;
  const auto grid = sde::uniform_grid(opt.t_start, opt.t_end, opt.sde.steps);

  // Tolerance: 5 standard errors of the pooled sample variance
  // (N = 2 n = 40000 values, SE = P sqrt(2/(N-1)) ~ 0.7 %) plus the exact
  // Euler–Maruyama bias |P_em - P_exact| for this grid, which must itself be
  // O(dt) small (< 0.5 % with 1000 steps).
  auto check_variance = [&](const MatrixXd& x, double P0) {
    const double P_exact = sde_variance_exact(S, s, P0, opt.t_end);
    const double P_em = sde_variance_em(S, score, P0, grid);
    const Moments m = moments(x);
    const double N = static_cast<double>(m.count);
    const double se = P_em * std::sqrt(2.0 / (N - 1.0));
    CAPTURE(P0, P_exact, P_em, m.var, m.mean, se);
    CHECK(std::abs(P_em - P_exact) <= 5e-3 * P_exact);
    CHECK(std::abs(m.var - P_em) <= 5.0 * se);
    CHECK(std::abs(m.var - P_exact) <= 5.0 * se + std::abs(P_em - P_exact));
    CHECK(std::abs(m.mean) <= 5.0 * std::sqrt(P_em / N));
  };

  SECTION("from N(0, I): the sampler") {
    const reference::SampleResult r = reference::sample(score, S, opt);
    INFO(r.stats.message);
    REQUIRE(r.stats.ok);
    CHECK(r.stats.blocks == 2);  // block_size 10000
    CHECK(r.stats.steps == 2 * opt.sde.steps);
    CHECK(r.stats.max_block_steps == opt.sde.steps);
    // P0 = 1 is far from v(1) for both s, so this discriminates: the
    // stationary answer v(t_end) would fail.
    const double P_exact = sde_variance_exact(S, s, 1.0, opt.t_end);
    CHECK(std::abs(P_exact - score.v(opt.t_end)) > 0.1 * P_exact);
    check_variance(r.samples, 1.0);
  }
  SECTION("from N(0, v(1) I): stays on the data marginal, P(t_end) = v(t_end)") {
    const double v1 = score.v(1.0);
    MatrixXd x = std::sqrt(v1) * reference::initial_states(opt, 2, 0, opt.n);
    const sde::BrownianPath path = reference::brownian_path(opt);
    const reference::SdeStats st = reference::integrate_reverse_sde(score, S, x, path, 0);
    REQUIRE(st.ok);
    CHECK(st.steps == opt.sde.steps);
    CHECK(std::abs(sde_variance_exact(S, s, v1, opt.t_end) - score.v(opt.t_end)) < 1e-12);
    check_variance(x, v1);
  }
}

TEST_CASE("Euler–Maruyama converges strongly when the same Brownian path is refined", "[reference]") {
  // Linear SDE (exact score, s = 0.5, beta x2). Reference: the same paths on
  // a fine grid of 4096 steps. Coarse runs step over 16..256 fine steps at a
  // time and receive the summed fine increments. The noise is additive, so
  // EM = Milstein here and the strong order is 1 (for multiplicative noise
  // it would be 1/2). Required: the error decreases at every refinement and
  // the fitted order is at least 0.45.
  const sde::VpSchedule S = kTrained.scaled(2.0);
  const GaussianScore score(2, 0.5, S);
  const auto fine = sde::uniform_grid(1.0, 1e-4, 4096);
  const sde::BrownianPath path(sde::brownian_seed(3), fine);
  const long n = 1000;
  const MatrixXd x0 = sde::initial_states(sde::initial_state_seed(3), 0, 2, n);

  MatrixXd ref = x0;
  REQUIRE(reference::integrate_reverse_sde(score, S, ref, path, 0).ok);

  std::vector<double> dts, errs;
  for (std::size_t r : {256u, 128u, 64u, 32u, 16u}) {
    std::vector<double> coarse;
    for (std::size_t k = 0; k < fine.size(); k += r) coarse.push_back(fine[k]);
    REQUIRE(coarse.back() == fine.back());
    MatrixXd x = x0;
    const reference::SdeStats st = reference::integrate_reverse_sde(score, S, x, path, 0, coarse);
    REQUIRE(st.ok);
    REQUIRE(st.steps == static_cast<long>(coarse.size() - 1));
    dts.push_back(std::abs(coarse[1] - coarse[0]));
    errs.push_back(std::sqrt((x - ref).squaredNorm() / static_cast<double>(x.size())));  // RMS
  }
  for (std::size_t i = 1; i < errs.size(); ++i) {
    CAPTURE(i, errs[i - 1], errs[i]);
    CHECK(errs[i] < errs[i - 1]);
  }
  const double order = std::log(errs.front() / errs.back()) / std::log(dts.front() / dts.back());
  CAPTURE(order);
  CHECK(order >= 0.45);
  CHECK(order <= 1.5);
}

TEST_CASE("The EM stepper works under odeint's integrate_n_steps", "[reference]") {
  // Same path, same steps, driven by integrate_n_steps instead of
  // integrate_times: t_k differ only by rounding, so the results agree.
  const sde::VpSchedule S = kTrained.scaled(2.0);
  const GaussianScore score(2, 2.0, S);
  const int steps = 200;
  const sde::BrownianPath path(77, sde::uniform_grid(1.0, 1e-4, steps));
  const MatrixXd x0 = sde::initial_states(78, 0, 2, 50);

  MatrixXd a = x0;
  REQUIRE(reference::integrate_reverse_sde(score, S, a, path, 0).ok);

  MatrixXd b = x0;
  reference::EulerMaruyama stepper(sde::BrownianNoise(path, 0));
  const auto system = std::make_pair(sde::ReverseSdeDrift(score, S), sde::ReverseSdeDiffusion(S));
  long observed = 0;
  boost::numeric::odeint::integrate_n_steps(std::ref(stepper), system, b, 1.0, (1e-4 - 1.0) / steps, steps,
                                            [&](const MatrixXd&, double) { ++observed; });
  CHECK(stepper.steps() == steps);
  CHECK(observed == steps + 1);
  CHECK((a - b).cwiseAbs().maxCoeff() <= 1e-12);
  CHECK(reference::EulerMaruyama<sde::BrownianNoise>::order() == 1);
}

TEST_CASE("SDE observations are recorded on the grid and rejected off it", "[reference]") {
  const sde::VpSchedule S = kTrained.scaled(2.0);
  const GaussianScore score(2, 0.5, S);
  reference::SamplerOptions opt;
  opt.method = reference::Method::sde;
  opt.n = 40;
  opt.sde.steps = 100;
  const auto grid = sde::uniform_grid(opt.t_start, opt.t_end, opt.sde.steps);
  opt.observe_times = {grid[0], grid[50], grid[100]};
  const reference::SampleResult r = reference::sample(score, S, opt);
  REQUIRE(r.stats.ok);
  REQUIRE(r.trajectory.size() == 3);
  CHECK(r.trajectory[0] == reference::initial_states(opt, 2, 0, opt.n));
  CHECK(r.trajectory[2] == r.samples);
  // The state at grid[50] is where a run stopped at grid[50] ends.
  MatrixXd half = reference::initial_states(opt, 2, 0, opt.n);
  const std::vector<double> first_half(grid.begin(), grid.begin() + 51);
  REQUIRE(reference::integrate_reverse_sde(score, S, half, reference::brownian_path(opt), 0, first_half).ok);
  CHECK((r.trajectory[1] - half).cwiseAbs().maxCoeff() == 0.0);

  opt.observe_times = {0.5 + 1e-3};  // between grid points (spacing ~0.01)
  CHECK_THROWS_AS(reference::sample(score, S, opt), std::invalid_argument);
}

// ---------------------------------------------------------------------------
// Counter-based randomness and block-size independence

TEST_CASE("Sampler results do not depend on the block size - seeds matter", "[reference]") {
  const sde::VpSchedule S = kTrained.scaled(2.0);
  const GaussianScore score(2, 0.5, S);
  reference::SamplerOptions opt;
  opt.n = 300;
  opt.seed = 21;
  opt.sde.steps = 100;

  SECTION("SDE: identical samples (up to rounding) for blocks of 7 and 1000") {
    opt.method = reference::Method::sde;
    opt.block_size = 7;
    const auto a = reference::sample(score, S, opt);
    opt.block_size = 1000;
    const auto b = reference::sample(score, S, opt);
    REQUIRE(a.stats.ok);
    REQUIRE(b.stats.ok);
    CHECK(a.stats.blocks == 43);
    CHECK(b.stats.blocks == 1);
    CHECK((a.samples - b.samples).cwiseAbs().maxCoeff() <= 1e-12);

    opt.seed = 22;
    const auto c = reference::sample(score, S, opt);
    CHECK(((c.samples - b.samples).array().abs() > 1e-3).all());  // every sample differs
  }
  SECTION("PF-ODE: blocks share a step size, so agreement is at the tolerance level") {
    opt.method = reference::Method::pf_ode;
    opt.ode.rtol = opt.ode.atol = 1e-8;
    opt.block_size = 7;
    const auto a = reference::sample(score, S, opt);
    opt.block_size = 1000;
    const auto b = reference::sample(score, S, opt);
    REQUIRE(a.stats.ok);
    REQUIRE(b.stats.ok);
    CHECK((a.samples - b.samples).cwiseAbs().maxCoeff() <= 1e-6);
    const MatrixXd x1 = reference::initial_states(opt, 2, 0, opt.n);
    const MatrixXd exact = x1 * std::sqrt(score.v(opt.t_end) / score.v(1.0));
    CHECK(worst_ratio(a.samples, exact, 1e-6, 1e-8) <= 1.0);
    CHECK(worst_ratio(b.samples, exact, 1e-6, 1e-8) <= 1.0);

    opt.seed = 22;
    const auto c = reference::sample(score, S, opt);
    CHECK(((c.samples - b.samples).array().abs() > 1e-3).all());
  }
  SECTION("SDE with an MLP score (GEMMs): blocks of 7 and 1000 agree") {
    const RandomMlpScore mlp(4);
    opt.method = reference::Method::sde;
    opt.block_size = 7;
    const auto a = reference::sample(mlp, S, opt);
    opt.block_size = 1000;
    const auto b = reference::sample(mlp, S, opt);
    REQUIRE(a.stats.ok);
    REQUIRE(b.stats.ok);
    // Not bitwise: Eigen picks different product kernels for 7 and 1000
    // columns, which round differently (seen: ~1e-14).
    CHECK((a.samples - b.samples).cwiseAbs().maxCoeff() <= 1e-12);
  }
  SECTION("initial states of a sub-block are the columns of the whole") {
    const MatrixXd all = sde::initial_states(9, 0, 3, 20);
    CHECK(sde::initial_states(9, 5, 3, 4) == all.middleCols(5, 4));
    CHECK(sde::initial_state_seed(9) != sde::brownian_seed(9));
  }
}

TEST_CASE("BrownianPath: increments have variance |dt|, are regenerable and add up", "[reference]") {
  // A non-uniform decreasing grid: steps of very different sizes.
  std::vector<double> grid{1.0, 0.9, 0.5, 0.49, 0.2, 0.01, 1e-4};
  const sde::BrownianPath path(1234, grid);
  REQUIRE(path.steps() == 6);
  const long n = 20000;

  // Per step: the sample variance of the increments / |dt| is ~1 within 5 SE
  // (SE = sqrt(2/(n-1))); consecutive steps are uncorrelated (5 / sqrt(n)).
  MatrixXd dw(1, n);
  std::vector<Eigen::RowVectorXd> z;
  for (std::size_t k = 0; k < path.steps(); ++k) {
    path.fill_step(0, k, dw);
    const double dt = std::abs(grid[k + 1] - grid[k]);
    const Eigen::RowVectorXd zk = dw.row(0) / std::sqrt(dt);
    const double mean = zk.mean();
    const double var = (zk.array() - mean).square().sum() / (n - 1.0);
    CAPTURE(k, dt, var);
    CHECK(std::abs(var - 1.0) <= 5.0 * std::sqrt(2.0 / (n - 1.0)));
    CHECK(std::abs(mean) <= 5.0 / std::sqrt(static_cast<double>(n)));
    z.push_back(zk);
  }
  for (std::size_t k = 1; k < z.size(); ++k)
    CHECK(std::abs(z[k].dot(z[k - 1]) / n) <= 5.0 / std::sqrt(static_cast<double>(n)));

  // Sample i alone = sample i inside any block, at any offset.
  MatrixXd block(2, 5);
  path.fill_step(100, 3, block);
  for (int j = 0; j < 5; ++j)
    for (int d = 0; d < 2; ++d) CHECK(block(d, j) == path.increment(100 + j, d, 3));

  // Cumulative path: starts at 0, increments are its differences.
  const MatrixXd inc = path.increments(42, 2);
  const MatrixXd w = path.cumulative(42, 2);
  REQUIRE(w.cols() == 7);
  CHECK(w.col(0).isZero(0.0));
  for (Eigen::Index k = 0; k < 6; ++k) CHECK((w.col(k + 1) - w.col(k) - inc.col(k)).cwiseAbs().maxCoeff() <= 1e-15);

  // BrownianNoise: a step over several grid steps gets the summed increments
  // (W(t_5) - W(t_1)), a step off the grid is refused.
  sde::BrownianNoise noise(path, 42);
  MatrixXd dW(2, 1);
  noise(grid[1], grid[5] - grid[1], dW);
  CHECK((dW.col(0) - (w.col(5) - w.col(1))).cwiseAbs().maxCoeff() <= 1e-15);
  CHECK_THROWS_AS(noise(0.7, -0.1, dW), std::invalid_argument);
  CHECK_THROWS_AS(noise(grid[2], grid[1] - grid[2], dW), std::invalid_argument);  // backwards

  const sde::BrownianPath other(1235, grid);
  CHECK(other.increment(0, 0, 0) != path.increment(0, 0, 0));
  CHECK_THROWS_AS(sde::BrownianPath(1, {1.0, 0.5, 0.7}), std::invalid_argument);

  const auto u = sde::uniform_grid(1.0, 1e-4, 1000);
  REQUIRE(u.size() == 1001);
  CHECK(u.front() == 1.0);
  CHECK(u.back() == 1e-4);
  CHECK(u[500] == Approx(0.5 * (1.0 + 1e-4)).epsilon(1e-15));
}

TEST_CASE("Dynamics: PF-ODE and reverse-SDE right-hand sides", "[reference]") {
  const sde::VpSchedule S = kTrained.scaled(2.0);
  const GaussianScore score(2, 2.0, S);
  MatrixXd x(2, 3);
  x << 1, -2, 0.5, 3, 0, -1;
  const double t = 0.3, b = S.beta(t), v = score.v(t);
  MatrixXd out(2, 3);
  sde::pf_ode_rhs(score, S, x, t, out);
  CHECK((out - (-0.5 * b * (x - x / v))).cwiseAbs().maxCoeff() <= 1e-15);
  sde::reverse_sde_drift(score, S, x, t, out);
  CHECK((out - (-0.5 * b * x + b * x / v)).cwiseAbs().maxCoeff() <= 1e-15);
  CHECK(sde::reverse_sde_diffusion(S, t) == std::sqrt(b));
  MatrixXd wrong(2, 2);
  CHECK_THROWS_AS(sde::pf_ode_rhs(score, S, x, t, wrong), std::invalid_argument);
}

// ---------------------------------------------------------------------------

TEST_CASE("Speed sanity: 10,000 samples (prints timings, asserts only success)", "[reference][speed]") {
  const sde::VpSchedule S = kTrained.scaled(2.0);
  const GaussianScore gaussian(2, 0.5, S);
  const RandomMlpScore mlp(99);
  reference::SamplerOptions opt;
  opt.n = 10000;
  opt.seed = 1;
  struct Case {
    const char* name;
    const sde::ScoreModel* score;
    reference::Method method;
  };
  for (const Case& c :
       {Case{"exact Gaussian", &gaussian, reference::Method::pf_ode},
        Case{"exact Gaussian", &gaussian, reference::Method::sde},
        Case{"MLP 2-14-14-2", &mlp, reference::Method::pf_ode}, Case{"MLP 2-14-14-2", &mlp, reference::Method::sde}}) {
    opt.method = c.method;
    const reference::SampleResult r = reference::sample(*c.score, S, opt);
    INFO(r.stats.message);
    REQUIRE(r.stats.ok);
    CHECK(r.samples.allFinite());
    std::printf("[speed] %-15s %-6s n=%ld: %.3f s, %ld steps, %ld rhs evals\n", c.name,
                std::string(reference::to_string(c.method)).c_str(), opt.n, r.stats.wall_seconds, r.stats.steps,
                r.stats.rhs_evals);
  }
}
