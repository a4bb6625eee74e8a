// The neural-ODE digital twins (src/nn/mlp*, src/tasks/twin/): the MLP and
// its gradients, weight files, the true systems and their ground truth,
// metrics, and training.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <numbers>
#include <sstream>

#include "config/config.hpp"
#include "nn/mlp.hpp"
#include "nn/mlp_weights.hpp"
#include "support.hpp"
#include "tasks/twin/evaluate.hpp"
#include "tasks/twin/metrics.hpp"
#include "tasks/twin/system.hpp"
#include "tasks/twin/train.hpp"
#include "util/error.hpp"
#include "util/random.hpp"

using namespace memcosim;
using namespace memcosim::tasks::twin;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {

nn::Mlp random_mlp(int in, std::vector<int> hidden, int out, std::uint64_t seed) {
  nn::Mlp net({in, std::move(hidden), out});
  Rng rng(seed);
  net.init(rng);
  for (int i = 0; i < in; ++i) {
    net.input_offset()[i] = rng.uniform(-1, 1);
    net.input_scale()[i] = rng.uniform(0.5, 2.0);
  }
  for (int i = 0; i < out; ++i) net.output_scale()[i] = rng.uniform(0.5, 3.0);
  return net;
}

// A scalar loss of the network output: sum of c .* y.
double weighted_sum(const nn::Mlp& net, const MatrixXd& x, const MatrixXd& c) { return net(x).cwiseProduct(c).sum(); }

reference::OdeOptions tight() {
  reference::OdeOptions o;
  o.rtol = 1e-10;
  o.atol = 1e-12;
  o.dt_initial = 1e-4;
  o.max_steps = 10000000;
  return o;
}

}  // namespace

TEST_CASE("twin: Mlp gradients match finite differences (parameters and inputs)", "[twin]") {
  const nn::Mlp net = random_mlp(3, {7, 5}, 2, 11);
  Rng rng(5);
  MatrixXd x(3, 6), c(2, 6);
  rng.fill_normal(x);
  rng.fill_normal(c);
  nn::Mlp::Tape tape;
  MatrixXd y(2, 6), gx;
  net.forward(x, y, tape);
  VectorXd g = VectorXd::Zero(net.num_params());
  net.backward(tape, c, g, &gx);

  // Central differences; ReLU kinks are avoided by the random data (none of
  // the pre-activations is within h of zero, checked below through agreement).
  const double h = 1e-6;
  const VectorXd theta = net.params();
  nn::Mlp probe = net;
  double worst = 0.0;
  for (Eigen::Index k = 0; k < theta.size(); ++k) {
    VectorXd tp = theta, tm = theta;
    tp[k] += h;
    tm[k] -= h;
    probe.set_params(tp);
    const double fp = weighted_sum(probe, x, c);
    probe.set_params(tm);
    const double fm = weighted_sum(probe, x, c);
    worst = std::max(worst, std::abs((fp - fm) / (2 * h) - g[k]) / (1.0 + std::abs(g[k])));
  }
  CHECK(worst < 1e-7);
  double worst_x = 0.0;
  for (Eigen::Index i = 0; i < x.rows(); ++i)
    for (Eigen::Index j = 0; j < x.cols(); ++j) {
      MatrixXd xp = x, xm = x;
      xp(i, j) += h;
      xm(i, j) -= h;
      const double fd = (weighted_sum(net, xp, c) - weighted_sum(net, xm, c)) / (2 * h);
      worst_x = std::max(worst_x, std::abs(fd - gx(i, j)) / (1.0 + std::abs(gx(i, j))));
    }
  CHECK(worst_x < 1e-7);
  // backward accumulates into grad_params.
  VectorXd g2 = g;
  net.backward(tape, c, g2, nullptr);
  CHECK((g2 - 2.0 * g).norm() <= 1e-14 * g.norm());
}

TEST_CASE("twin: raw_layers fold the normalisation (plain Eigen forward on raw inputs)", "[twin]") {
  for (const std::vector<int>& hidden : {std::vector<int>{9, 4}, std::vector<int>{6}, std::vector<int>{}}) {
    const nn::Mlp net = random_mlp(4, hidden, 3, 21);
    Rng rng(3);
    MatrixXd x(4, 10);
    rng.fill_normal(x);
    x *= 5.0;
    const std::vector<nn::Dense> raw = net.raw_layers();
    REQUIRE(raw.size() == hidden.size() + 1);
    MatrixXd z = x;
    for (std::size_t l = 0; l < raw.size(); ++l) {
      MatrixXd a = (raw[l].W * z).colwise() + raw[l].b;
      z = l + 1 < raw.size() ? MatrixXd(a.cwiseMax(0.0)) : a;
    }
    const MatrixXd y = net(x);
    CHECK((z - y).cwiseAbs().maxCoeff() <= 1e-12 * y.cwiseAbs().maxCoeff());
  }
}

TEST_CASE("twin: Mlp weight files round-trip bit-exactly and bad files give located errors", "[twin]") {
  test::TempDir dir("twin_weights");
  nn::Mlp net = random_mlp(2, {5, 3}, 1, 8);
  VectorXd theta = net.params();
  theta[0] = 4.9406564584124654e-324;
  theta[1] = -0.0;
  theta[2] = 0.1 + 0.2;
  net.set_params(theta);
  nn::MlpProvenance p;
  p.system = "hp_memristor";
  p.system_description = "HP memristor";
  p.system_parameters = {{"r_on", 100.0}, {"r_off", 16e3}};
  p.config = "configs/hp_memristor.yaml";
  p.seed = 42;
  p.derivative_epochs = 3;
  p.trajectory_steps = 4;
  p.steps = 77;
  p.derivative_loss = 1.0 / 3.0;
  p.trajectory_loss = 2e-5;
  p.train_seconds = 1.5;
  p.dataset = "records";
  const std::string path = (dir / "mlp.yaml").string();
  nn::save_mlp(path, net, p);
  const nn::LoadedMlp m = nn::load_mlp(path);
  CHECK(m.net.shape() == net.shape());
  CHECK((m.net.params().array() == net.params().array()).all());
  CHECK(std::signbit(m.net.params()[1]));
  CHECK((m.net.input_offset().array() == net.input_offset().array()).all());
  CHECK((m.net.input_scale().array() == net.input_scale().array()).all());
  CHECK((m.net.output_scale().array() == net.output_scale().array()).all());
  CHECK(m.provenance == p);

  // Located errors: edit the written file line by line.
  const std::string good = test::read_text(path);
  auto errors_of = [&](const std::string& text) {
    std::ofstream(path) << text;
    try {
      nn::load_mlp(path);
    } catch (const InputError& e) {
      return e.diagnostics();
    }
    return std::vector<Diagnostic>{};
  };
  auto line_of = [&](const std::string& text, const std::string& needle) {
    const auto at = text.find(needle);
    REQUIRE(at != std::string::npos);
    return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
  };
  auto replace = [](std::string s, const std::string& from, const std::string& to) {
    const auto at = s.find(from);
    REQUIRE(at != std::string::npos);
    return s.replace(at, from.size(), to);
  };
  SECTION("a negative input scale") {
    const std::string bad = replace(good, "input_scale: [", "input_scale: [-");
    const auto d = errors_of(bad);
    REQUIRE(d.size() == 1);
    CHECK(d[0].key_path == "normalization.input_scale[0]");
    CHECK(d[0].where.file == path);
    CHECK(d[0].where.line == line_of(bad, "input_scale:"));
    CHECK_THAT(d[0].message, Catch::Contains("> 0"));
  }
  SECTION("a misspelt key and a missing layer") {
    std::string bad = replace(good, "activation: relu", "activaton: relu");
    const auto d = errors_of(bad);
    std::vector<std::string> keys;
    for (const auto& x : d) keys.push_back(x.key_path);
    CHECK_THAT(keys, Catch::VectorContains(std::string("architecture.activaton")));
    CHECK_THAT(keys, Catch::VectorContains(std::string("architecture.activation")));
    for (const auto& x : d)
      if (x.key_path == "architecture.activaton") CHECK(x.where.line == line_of(bad, "activaton"));
  }
  SECTION("a wrong shape and a non-number") {
    std::string bad = replace(good, "shape: [3, 5]", "shape: [4, 5]");
    const auto d = errors_of(bad);
    REQUIRE_FALSE(d.empty());
    CHECK(d[0].key_path == "layers[1].shape");
    CHECK(d[0].where.line == line_of(bad, "shape: [4, 5]"));
    CHECK_THAT(d[0].message, Catch::Contains("[3, 5]"));
  }
  SECTION("a wrong format") {
    const auto d = errors_of(replace(good, "format: memcosim-mlp", "format: memcosim-score-network"));
    REQUIRE(d.size() == 1);
    CHECK(d[0].key_path == "format");
    CHECK(d[0].where.line == 2);
  }
}

TEST_CASE("twin: HP ground truth matches the closed form under a constant current", "[twin]") {
  // p = 1, constant i: dx/dt = 4 k i x (1 - x), logistic (hp_logistic).
  const HpParams hp;
  const double i = 2e-4;  // A: 4 k i = 8 /s
  const Field current_driven = [&](const MatrixXd& x, const MatrixXd&, MatrixXd& dxdt) {
    dxdt.resize(x.rows(), x.cols());
    for (Eigen::Index c = 0; c < x.cols(); ++c) dxdt(0, c) = hp.rate_current(x(0, c), i);
  };
  MatrixXd x0(1, 3);
  x0 << 0.01, 0.2, 0.7;
  std::vector<double> t;
  for (int j = 0; j <= 50; ++j) t.push_back(0.02 * j);
  const Trajectories tr = integrate(current_driven, 0, {}, 0.0, x0, t, tight());
  REQUIRE(tr.stats.ok);
  double worst = 0.0;
  for (std::size_t j = 0; j < t.size(); ++j)
    for (Eigen::Index c = 0; c < 3; ++c)
      worst = std::max(worst, std::abs(tr.x[j](0, c) - hp_logistic(hp, x0(0, c), i, t[j])));
  CHECK(worst < 1e-8);
  CHECK(tr.x.back()(0, 0) > 0.5);  // the case swept most of [0, 1]
}

TEST_CASE("twin: voltage-driven HP state follows the flux of the held drive", "[twin]") {
  // For p = 1, g(x) = (R_off ln x - R_on ln(1 - x)) / 4 satisfies dg/dt = k v,
  // so g(x(t)) - g(x0) = k * integral of the held v: an exact check of the
  // voltage rhs and of the DAC hold, independent of the integrator.
  System s;
  const HpParams& hp = s.hp;
  auto g = [&](double x) { return 0.25 * (hp.r_off * std::log(x) - hp.r_on * std::log1p(-x)); };
  Drive d;
  d.kind = DriveKind::triangle;
  d.frequency = 0.7;
  d.amplitude = 1.0;
  const double T = 0.01;
  std::vector<double> t;
  for (int j = 0; j <= 300; ++j) t.push_back(0.01 * j);
  const MatrixXd x0 = MatrixXd::Constant(1, 1, 0.1);
  const Trajectories tr = integrate(system_field(s), 1, {d}, T, x0, t, tight());
  REQUIRE(tr.stats.ok);
  double flux = 0.0, worst = 0.0, xmax = 0.0;
  for (std::size_t j = 1; j < t.size(); ++j) {
    flux += T * d.value(t[j - 1]);  // one held sample per step (t on the DAC grid)
    const double x = tr.x[j](0, 0);
    xmax = std::max(xmax, x);
    worst = std::max(worst, std::abs((g(x) - g(0.1)) - hp.k() * flux) / (hp.k() * 1.0));
  }
  CHECK(worst < 1e-6);
  CHECK(xmax > 0.2);  // the drive moved the state (from 0.1)
  // The recorded drive is the held one.
  CHECK(tr.u[5](0, 0) == d.value(0.05));
  CHECK(held_value(d, T, 0.0549) == d.value(0.05));
}

TEST_CASE("twin: Lorenz96 energy of the advection and cyclic symmetry", "[twin]") {
  System s;
  s.kind = SystemKind::lorenz96;
  s.lorenz96 = {8, 0.0};
  Rng rng(4);
  MatrixXd x(8, 5), dx;
  rng.fill_normal(x);
  s.rhs(x, MatrixXd(0, 5), dx);
  // F = 0: dx = advection - x; the advection conserves sum x_i^2.
  const MatrixXd adv = dx + x;
  for (Eigen::Index c = 0; c < 5; ++c) CHECK(std::abs(adv.col(c).dot(x.col(c))) < 1e-12 * x.col(c).squaredNorm());
  // Shift symmetry: f(shift x) = shift f(x), with forcing.
  s.lorenz96.forcing = 8.0;
  MatrixXd shifted(8, 5), d1, d2;
  for (int i = 0; i < 8; ++i) shifted.row((i + 1) % 8) = x.row(i);
  s.rhs(x, MatrixXd(0, 5), d1);
  s.rhs(shifted, MatrixXd(0, 5), d2);
  for (int i = 0; i < 8; ++i) CHECK((d2.row((i + 1) % 8) - d1.row(i)).norm() < 1e-12);
  // One hand-computed component: i = 0 uses x_1, x_{N-2}, x_{N-1}.
  CHECK(d1(0, 0) == Approx((x(1, 0) - x(6, 0)) * x(7, 0) - x(0, 0) + 8.0).epsilon(1e-14));
}

TEST_CASE("twin: Lyapunov exponent (linear system exactly, Lorenz96 in range and deterministic)", "[twin]") {
  // dx/dt = diag(0.7, -0.3) x around the fixed point 0: renormalising only
  // rescales the separation, so the estimate over T is exactly
  // (1/T) log(||exp(A T) v|| / ||v||) for the start direction v = (1, 1) / sqrt 2,
  // which tends to 0.7.
  const Field linear = [](const MatrixXd& x, const MatrixXd&, MatrixXd& d) {
    d = x;
    d.row(0) *= 0.7;
    d.row(1) *= -0.3;
  };
  const double T = 20.0;
  const LyapunovResult lin = largest_lyapunov(linear, VectorXd::Zero(2), T, 0.5, 1e-8, tight());
  REQUIRE(lin.stats.ok);
  const double exact = 0.5 * std::log((std::exp(2 * 0.7 * T) + std::exp(-2 * 0.3 * T)) / 2.0) / T;
  CHECK(lin.exponent == Approx(exact).epsilon(1e-7));
  CHECK(lin.exponent == Approx(0.7).epsilon(0.03));

  System s;
  s.kind = SystemKind::lorenz96;
  reference::OdeOptions o;
  o.rtol = 1e-8;
  o.atol = 1e-8;
  const MatrixXd start = attractor_starts(s, 7, 1, 20.0, 1.0, o);
  const LyapunovResult a = largest_lyapunov(system_field(s), start.col(0), 100.0, 0.5, 1e-8, o);
  const LyapunovResult b = largest_lyapunov(system_field(s), start.col(0), 100.0, 0.5, 1e-8, o);
  REQUIRE(a.stats.ok);
  CHECK(a.exponent == b.exponent);
  // Lorenz96 with F = 8 is chaotic; for N = 6 the exponent is of order one per time unit.
  CHECK(a.exponent > 0.3);
  CHECK(a.exponent < 3.0);
}

TEST_CASE("twin: valid prediction time, NRMSE and attractor statistics on known cases", "[twin]") {
  // Error growing as eps e^t along one axis: crosses 0.3 at t = ln(0.3 / eps).
  const double eps = 1e-3, lambda = 2.0;
  std::vector<double> t;
  for (int j = 0; j <= 1000; ++j) t.push_back(0.01 * j);
  MatrixXd truth = MatrixXd::Zero(2, 1001), twin = MatrixXd::Zero(2, 1001);
  for (int j = 0; j <= 1000; ++j) twin(1, j) = eps * std::exp(t[static_cast<std::size_t>(j)]);
  const double vpt = valid_prediction_time(t, twin, truth, 1.0, 0.3, lambda);
  CHECK(vpt == Approx(lambda * std::log(0.3 / eps)).epsilon(1e-4));
  // Never diverging: the whole horizon.
  CHECK(valid_prediction_time(t, truth, truth, 1.0, 0.3, lambda) == Approx(20.0));

  MatrixXd y(1, 4), yr(1, 4);
  yr << 0.0, 1.0, 2.0, 4.0;
  y << 0.1, 1.1, 1.9, 4.1;
  CHECK(nrmse(y, yr) == Approx(0.1 / 4.0));

  // A sine sampled over 1000 whole periods: mean 0, variance 1/2, acf(lag) =
  // cos(w lag) up to the estimator's end effect, below 1 / (pi 1000).
  const double dt = 0.001, w = 2.0 * std::numbers::pi;
  MatrixXd s(1, 1000000);
  for (int j = 0; j < 1000000; ++j) s(0, j) = std::sin(w * dt * j);
  const AttractorStats st = attractor_stats(s, dt, {0.25, 0.1}, 10, -1.0, 1.0);
  CHECK(std::abs(st.mean[0]) < 1e-9);
  CHECK(st.variance[0] == Approx(0.5).epsilon(1e-6));
  CHECK(st.autocorrelation(0, 0) == Approx(0.0).margin(1e-3));
  CHECK(st.autocorrelation(0, 1) == Approx(std::cos(w * 0.1)).epsilon(1e-3));
  CHECK(st.histogram.sum() == Approx(1.0));
  CHECK(compare_stats(st, st).max_histogram_tv == 0.0);
  CHECK(attractor_scale(s) == Approx(std::sqrt(0.5)).epsilon(1e-6));
}

TEST_CASE("twin: finite-difference derivatives are exact for quartics and skip DAC corners", "[twin]") {
  Records r;
  r.dt = 0.001;
  r.update_period = 0.01;
  MatrixXd x(1, 101), u(1, 101);
  for (int j = 0; j <= 100; ++j) {
    const double t = r.dt * j;
    x(0, j) = 1.0 + t - 3.0 * t * t + 2.0 * t * t * t * t;
    u(0, j) = std::floor(t / r.update_period + 1e-9);
  }
  r.x = {x};
  r.u = {u};
  const DerivativeSamples s = derivative_samples(r);
  // 10 hold intervals of 10 samples: the stencil j-2 .. j+2 lies inside one
  // interval for offsets j mod 10 in 2..8, samples in order.
  std::vector<int> expected;
  for (int j = 2; j + 2 <= 100; ++j)
    if (j % 10 >= 2 && j % 10 <= 8) expected.push_back(j);
  REQUIRE(s.inputs.cols() == static_cast<Eigen::Index>(expected.size()));
  CHECK(expected.size() == 70);
  double worst = 0.0;
  for (std::size_t k = 0; k < expected.size(); ++k) {
    const int j = expected[k];
    const double t = r.dt * j;
    const auto c = static_cast<Eigen::Index>(k);
    CHECK(s.inputs(0, c) == x(0, j));
    CHECK(s.inputs(1, c) == u(0, j));  // the held drive of the sample
    worst = std::max(worst, std::abs(s.targets(0, c) - (1.0 - 6.0 * t + 8.0 * t * t * t)));
  }
  CHECK(worst < 1e-9);
}

TEST_CASE("twin: trajectory loss gradient through unrolled RK4 matches finite differences", "[twin]") {
  // Records of a driven 1-D system; a small network.
  Records r;
  r.dt = 0.05;
  MatrixXd x(1, 40), u(1, 40);
  for (int j = 0; j < 40; ++j) {
    x(0, j) = std::sin(0.3 * j);
    u(0, j) = std::cos(0.2 * j);
  }
  r.x = {x, x.reverse()};
  r.u = {u, u};
  const nn::Mlp net = random_mlp(2, {6, 5}, 1, 17);
  const std::vector<std::pair<int, int>> windows{{0, 0}, {1, 7}, {0, 20}};
  const VectorXd scale = VectorXd::Constant(1, 0.7);
  VectorXd g(net.num_params());
  trajectory_loss(net, r, windows, 4, 2, scale, g);
  const VectorXd theta = net.params();
  nn::Mlp probe = net;
  const double h = 1e-6;
  double worst = 0.0;
  VectorXd none;
  for (Eigen::Index k = 0; k < theta.size(); ++k) {
    VectorXd tp = theta, tm = theta;
    tp[k] += h;
    tm[k] -= h;
    probe.set_params(tp);
    const double fp = trajectory_loss(probe, r, windows, 4, 2, scale, none);
    probe.set_params(tm);
    const double fm = trajectory_loss(probe, r, windows, 4, 2, scale, none);
    worst = std::max(worst, std::abs((fp - fm) / (2 * h) - g[k]) / (1e-3 + std::abs(g[k])));
  }
  CHECK(worst < 1e-5);
}

TEST_CASE("twin: training is deterministic for a seed and fits a tiny driven system", "[twin]") {
  // dx/dt = -x + u with a held two-level drive.
  const Field field = [](const MatrixXd& x, const MatrixXd& u, MatrixXd& d) { d = -x + u; };
  std::vector<Drive> drives;
  for (double f : {0.3, 0.5, 0.8}) {
    Drive d;
    d.kind = DriveKind::sine;
    d.frequency = f;
    drives.push_back(d);
  }
  std::vector<double> t;
  for (int j = 0; j <= 400; ++j) t.push_back(0.01 * j);
  const Trajectories tr = integrate(field, 1, drives, 0.05, MatrixXd::Zero(1, 3), t, tight());
  REQUIRE(tr.stats.ok);
  Records rec;
  rec.dt = 0.01;
  rec.update_period = 0.05;
  for (Eigen::Index c = 0; c < 3; ++c) {
    MatrixXd x(1, 401), u(1, 401);
    for (int j = 0; j <= 400; ++j) {
      x(0, j) = tr.x[static_cast<std::size_t>(j)](0, c);
      u(0, j) = tr.u[static_cast<std::size_t>(j)](0, c);
    }
    rec.x.push_back(x);
    rec.u.push_back(u);
  }
  TwinTrainOptions o;
  o.derivative_epochs = 30;
  o.batch_size = 64;
  o.learning_rate = 3e-3;
  o.trajectory_steps = 20;
  o.window = 5;
  o.stride = 5;
  o.windows_per_step = 16;
  o.weight_noise = {true, 0.02, 0.05};
  o.seed = 3;
  nn::Mlp a({2, {8}, 1}), b({2, {8}, 1}), c({2, {8}, 1});
  const TwinTrainResult ra = train_twin(a, rec, o);
  train_twin(b, rec, o);
  CHECK((a.params().array() == b.params().array()).all());
  o.seed = 4;
  train_twin(c, rec, o);
  CHECK((a.params() - c.params()).norm() > 0);
  CHECK(ra.derivative_loss.back() < 0.05 * ra.derivative_loss.front());
  CHECK(ra.trajectory_loss.size() == 20);
  // The trained field is close to -x + u inside the data.
  MatrixXd z(2, 3);
  z << 0.1, -0.2, 0.3, 0.5, -0.4, 0.0;
  const MatrixXd f = a(z);
  for (int k = 0; k < 3; ++k) CHECK(f(0, k) == Approx(-z(0, k) + z(1, k)).margin(0.1));
}

TEST_CASE("twin: twin configs load, and bad twin keys are located", "[twin]") {
  const config::Config hp = config::load_config(test::source_path("configs/hp_memristor.yaml").string());
  CHECK(hp.task == config::Task::twin);
  CHECK(hp.twin.system == config::TwinSystem::hp_memristor);
  CHECK(test_drives(hp).size() == 4);
  const config::Config l96 = config::load_config(test::source_path("configs/lorenz96.yaml").string());
  CHECK(l96.twin.system == config::TwinSystem::lorenz96);
  // A ring config keeps the default task.
  CHECK(config::load_config(test::source_path("configs/ring.yaml").string()).task == config::Task::diffusion);
  try {
    config::load_config(test::source_path("configs/hp_memristor.yaml").string(), {"twin.data.dt=3m"});
    FAIL("expected an error");
  } catch (const InputError& e) {
    REQUIRE(e.diagnostics().size() >= 1);
    CHECK(e.diagnostics()[0].key_path == "twin.data.dt");
    CHECK_THAT(e.diagnostics()[0].message, Catch::Contains("divide twin.update_period"));
  }
}

TEST_CASE("twin: the shipped HP twin meets the software acceptance on the unseen drives", "[twin]") {
  const config::Config cfg = config::load_config(test::source_path("configs/hp_memristor.yaml").string());
  const nn::LoadedMlp m = nn::load_mlp(cfg.resolve(cfg.model.file).string());
  CHECK(m.provenance.system == "hp_memristor");
  const SoftwareEvaluation ev = evaluate_software(cfg, m.net);
  REQUIRE(ev.cases.size() >= 3);
  for (const CaseResult& c : ev.cases) {
    INFO(c.label);
    CHECK(c.current_nrmse <= 0.05);
    // Pronounced hysteresis: the true state swings over a good part of [0, 1].
    CHECK(c.x_true.maxCoeff() - c.x_true.minCoeff() > 0.3);
    CHECK(c.x_true.maxCoeff() < 0.95);
  }
}

TEST_CASE("twin: the shipped Lorenz96 twin meets the software acceptance", "[twin][slow]") {
  const config::Config cfg = config::load_config(test::source_path("configs/lorenz96.yaml").string());
  const nn::LoadedMlp m = nn::load_mlp(cfg.resolve(cfg.model.file).string());
  const SoftwareEvaluation ev = evaluate_software(cfg, m.net);
  CHECK(ev.cases.size() >= 50);
  CHECK(ev.median_vpt >= 1.5);
}

TEST_CASE("twin: memcosim train on a twin config writes the ground truth, the weights and the evaluation",
          "[twin][cli]") {
  test::TempDir dir("twin_train");
  const std::string model = (dir / "twin.yaml").string();
  const auto r = test::run_cli(
      "train configs/hp_memristor.yaml -o " + model + " --results " + (dir / "res").string() +
      " --set twin.data.records=2 --set twin.data.duration=1 --set twin.stages.derivative_epochs=2"
      " --set twin.stages.trajectory_steps=2 --set twin.test.duration=1 --set twin.test.points=11 --log-every 1");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("stage 1 epoch      2") && Catch::Contains("stage 2 step       2") &&
                        Catch::Contains("trained in") && Catch::Contains("current NRMSE"));
  const nn::LoadedMlp m = nn::load_mlp(model);
  CHECK(m.net.shape() == nn::MlpShape{2, {16, 16}, 1});
  CHECK(m.provenance.derivative_epochs == 2);
  // records.csv: 2 records of 1001 samples plus the header; evaluation.csv: 4 drives x 11 points.
  const std::string rec = test::read_text(dir / "res/records.csv");
  CHECK(std::count(rec.begin(), rec.end(), '\n') == 1 + 2 * 1001);
  const std::string ev = test::read_text(dir / "res/evaluation.csv");
  CHECK(std::count(ev.begin(), ev.end(), '\n') == 1 + 4 * 11);
  // A bad twin key stops before anything is written, exit 2, located.
  const auto bad = test::run_cli("train configs/hp_memristor.yaml -o " + model + " --set twin.hp.r_off=50");
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Catch::Contains("twin.hp.r_off"));
}
