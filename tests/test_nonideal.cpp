// RRAM non-idealities (circuit/nonideal.hpp), the settled-circuit model
// (tasks/diffusion/settled.hpp) and the forced-ODE reference (reference/
// forced_ode.hpp), each checked against closed forms, statistics of known
// laws, an independent nodal solve, or ngspice.
#include <catch2/catch.hpp>

#include <cmath>
#include <complex>
#include <numbers>

#include <Eigen/LU>

#include "circuit/blocks.hpp"
#include "circuit/nonideal.hpp"
#include "flow/common.hpp"
#include "reference/forced_ode.hpp"
#include "spice/emitter.hpp"
#include "spice/job.hpp"
#include "spice/session.hpp"
#include "support.hpp"
#include "tasks/diffusion/pipeline.hpp"
#include "tasks/diffusion/settled.hpp"

using namespace memcosim;
using namespace memcosim::circuit;

namespace {

Environment environment(const config::CircuitConfig& cc) {
  return {cc.supply.vdd, cc.supply.vss, cc.opamp, cc.crossbar.cell, cc.relu.knee};
}

struct Moments {
  double mean = 0, sd = 0;
};
Moments moments(const std::vector<double>& v) {
  double s = 0, s2 = 0;
  for (double x : v) s += x;
  const double m = s / static_cast<double>(v.size());
  for (double x : v) s2 += (x - m) * (x - m);
  return {m, std::sqrt(s2 / static_cast<double>(v.size() - 1))};
}

}  // namespace

// ---------------------------------------------------------------------------
// Programming

TEST_CASE("programming: with the new keys at zero, a cell is programmed exactly as before", "[nonideal]") {
  // The former rule: quantise, multiply by (1 + rel z) with z from the
  // sequential stream, clip.
  config::CrossbarConfig xb;
  xb.levels = 64;
  xb.programming_error = 0.1;
  Rng a(42), b(42);
  const DeviceSeeds seeds(7);
  const double step = (xb.g_max - xb.g_min) / (xb.levels - 1);
  for (int k = 0; k < 200; ++k) {
    const double target = xb.g_min + (xb.g_max - xb.g_min) * (k / 199.0);
    double expected = xb.g_min + std::round((target - xb.g_min) / step) * step;
    expected *= 1.0 + xb.programming_error * b.normal();
    expected = std::clamp(expected, xb.g_min, xb.g_max);
    CHECK(program_conductance(target, xb, a, seeds, 0, static_cast<std::uint64_t>(k)) == expected);
  }
}

TEST_CASE("programming: absolute and relative errors add in variance, truncation keeps the truncated-normal law",
          "[nonideal]") {
  config::CrossbarConfig xb;
  const double target = 50e-6;
  const int n = 20000;
  const DeviceSeeds seeds(3);
  auto draw = [&](const config::CrossbarConfig& c) {
    Rng rng(5);
    std::vector<double> g;
    for (int k = 0; k < n; ++k)
      g.push_back(program_conductance(target, c, rng, seeds, 1, static_cast<std::uint64_t>(k)));
    return g;
  };
  // sigma(G)^2 = (rel G)^2 + abs^2; 3% band on the sample standard deviation
  // (its sampling error at n = 20000 is 0.5%).
  xb.programming_error = 0.04;
  xb.programming_error_abs = 1.5e-6;
  const Moments both = moments(draw(xb));
  const double expected = std::hypot(0.04 * target, 1.5e-6);
  CHECK(both.mean == Approx(target).epsilon(5 * expected / std::sqrt(n) / target));
  CHECK(both.sd == Approx(expected).epsilon(0.03));

  // Truncation at a = 1 sigma: every draw inside, and the standard deviation
  // of a normal truncated to [-a, a] is sqrt(1 - 2 a phi(a) / (2 Phi(a) - 1)).
  config::CrossbarConfig t;
  t.programming_error = 0.1;
  t.programming_truncation = 1.0;
  const auto g = draw(t);
  double worst = 0;
  for (double x : g) worst = std::max(worst, std::abs(x / target - 1.0));
  CHECK(worst <= 0.1 * (1 + 1e-12));
  const double a = 1.0, phi = std::exp(-0.5 * a * a) / std::sqrt(2 * std::numbers::pi);
  const double mass = std::erf(a / std::numbers::sqrt2);
  const double sd_truncated = std::sqrt(1 - 2 * a * phi / mass);
  CHECK(moments(g).sd / (0.1 * target) == Approx(sd_truncated).epsilon(0.03));
}

TEST_CASE("programming: stuck cells at g_min and g_max in the configured fractions", "[nonideal]") {
  config::CrossbarConfig xb;
  xb.stuck_at_min = 0.1;
  xb.stuck_at_max = 0.05;
  const int n = 20000;
  Rng rng(1);
  const DeviceSeeds seeds(11);
  int at_min = 0, at_max = 0;
  for (int k = 0; k < n; ++k) {
    const double g = program_conductance(50e-6, xb, rng, seeds, 2, static_cast<std::uint64_t>(k));
    at_min += g == xb.g_min;
    at_max += g == xb.g_max;
  }
  // Binomial counts: within 4 standard deviations.
  for (auto [count, p] : {std::pair{at_min, 0.1}, std::pair{at_max, 0.05}}) {
    INFO("count " << count << " of " << n << ", p = " << p);
    CHECK(std::abs(count - p * n) < 4 * std::sqrt(n * p * (1 - p)));
  }
  // Another chip (device seed): other cells are stuck.
  Rng rng2(1);
  const DeviceSeeds other(12);
  int same = 0;
  Rng rng3(1);
  for (int k = 0; k < 1000; ++k) {
    const bool s1 = program_conductance(50e-6, xb, rng2, seeds, 2, static_cast<std::uint64_t>(k)) != 50e-6;
    const bool s2 = program_conductance(50e-6, xb, rng3, other, 2, static_cast<std::uint64_t>(k)) != 50e-6;
    same += s1 == s2;
  }
  CHECK(same < 1000);
}

// ---------------------------------------------------------------------------
// Read noise

TEST_CASE("read noise: white, thermal and telegraph parts follow their laws", "[nonideal]") {
  config::ReadNoiseConfig cfg;
  cfg.white = 3e-5;       // 1/sqrt(Hz)
  cfg.temperature = 300;  // K
  cfg.rtn_fraction = 0.3;
  cfg.rtn_amplitude = 0.05;
  cfg.rtn_tau_empty = 20e-6;
  cfg.rtn_tau_filled = 60e-6;
  cfg.points = 401;
  const double duration = 4e-3;
  const ReadNoise noise(cfg, DeviceSeeds(5), 3, duration);
  const double h = duration / (cfg.points - 1);
  REQUIRE(noise.step() == Approx(h));

  // White: variance of a flat one-sided PSD S up to 1/(2h) is S / (2h).
  std::vector<double> all;
  for (std::uint64_t c = 0; c < 200; ++c)
    for (double v : noise.white(0, c)) all.push_back(v);
  CHECK(moments(all).sd == Approx(cfg.white * std::sqrt(1.0 / (2 * h))).epsilon(0.02));
  CHECK(std::abs(moments(all).mean) < 4 * moments(all).sd / std::sqrt(static_cast<double>(all.size())));

  // Thermal: 4 k T G per cell, summed over a column of conductance 1 mS.
  std::vector<double> current;
  for (std::uint64_t j = 0; j < 200; ++j)
    for (double v : noise.column_current(1, j, 1e-3)) current.push_back(v);
  CHECK(moments(current).sd == Approx(std::sqrt(4 * 1.380649e-23 * 300 * 1e-3 / (2 * h))).epsilon(0.02));

  // Telegraph: active traps in the chip's fraction; filled a fraction
  // p = tau_f / (tau_e + tau_f) of the time; between two grid points h apart
  // the state differs with probability 2 p (1 - p) (1 - exp(-h (1/tau_e + 1/tau_f))).
  int active = 0, cells = 2000;
  double filled = 0, samples = 0, switches = 0;
  int inactive_nonzero = 0;
  for (std::uint64_t c = 0; c < static_cast<std::uint64_t>(cells); ++c) {
    if (!noise.trap_active(2, c)) {
      for (double v : noise.telegraph(2, c)) inactive_nonzero += v != 0.0;
      continue;
    }
    ++active;
    const auto s = noise.telegraph(2, c);
    for (std::size_t k = 0; k < s.size(); ++k) {
      filled += s[k];
      samples += 1;
      if (k > 0 && s[k] != s[k - 1]) ++switches;
    }
  }
  CHECK(inactive_nonzero == 0);
  CHECK(std::abs(active - 0.3 * cells) < 4 * std::sqrt(cells * 0.3 * 0.7));
  CHECK(filled / samples == Approx(0.75).margin(0.02));
  const double p = 0.75, rate = 1 / cfg.rtn_tau_empty + 1 / cfg.rtn_tau_filled;
  const double expected_switches = active * (cfg.points - 1) * 2 * p * (1 - p) * -std::expm1(-h * rate);
  INFO("changes between grid points " << switches << ", expected " << expected_switches);
  CHECK(switches == Approx(expected_switches).epsilon(0.03));
}

TEST_CASE("read noise: the 1/f part has PSD flicker / f between its corners", "[nonideal]") {
  config::ReadNoiseConfig cfg;
  cfg.flicker = 1e-4;
  cfg.flicker_fmin = 10;
  cfg.points = 4096;
  const double duration = 40e-3;  // h ~ 9.8 us, Nyquist ~ 51 kHz
  const ReadNoise noise(cfg, DeviceSeeds(9), 0, duration);
  const double h = noise.step(), nyquist = 0.5 / h;
  // Total variance: the integral of K_f / f from fmin to Nyquist (the same
  // grid step on a two-point grid gives the same components).
  config::ReadNoiseConfig two = cfg;
  two.points = 2;
  const ReadNoise short_run(two, DeviceSeeds(9), 0, h);
  REQUIRE(short_run.flicker_corners() == noise.flicker_corners());
  std::vector<double> first;
  for (std::uint64_t c = 0; c < 4000; ++c) first.push_back(short_run.flicker(0, c)[0]);
  CHECK(moments(first).sd * moments(first).sd ==
        Approx(cfg.flicker * std::log(nyquist / cfg.flicker_fmin)).epsilon(0.05));
  // Periodogram (Hann window, one-sided) averaged over cells, at 24
  // log-spaced frequencies from 8 / T to Nyquist / 8: the level K_f / f
  // within 25% at each and a log-log slope of -1.
  const std::size_t n = static_cast<std::size_t>(cfg.points);
  std::vector<double> w(n);
  double wsum = 0;
  for (std::size_t k = 0; k < n; ++k) {
    w[k] = 0.5 - 0.5 * std::cos(2 * std::numbers::pi * static_cast<double>(k) / static_cast<double>(n - 1));
    wsum += w[k] * w[k];
  }
  std::vector<std::size_t> bins;
  for (int q = 0; q < 24; ++q) {
    const auto m = static_cast<std::size_t>(std::round(8.0 * std::pow(static_cast<double>(n) / 128.0, q / 23.0)));
    if (bins.empty() || m != bins.back()) bins.push_back(m);
  }
  std::vector<std::complex<double>> twiddle(n);
  for (std::size_t k = 0; k < n; ++k)
    twiddle[k] = std::polar(1.0, -2 * std::numbers::pi * static_cast<double>(k) / static_cast<double>(n));
  std::vector<double> psd(bins.size(), 0.0);
  const int cells = 200;
  for (std::uint64_t c = 0; c < cells; ++c) {
    const auto v = noise.flicker(1, c);
    const double mean = moments(v).mean;
    for (std::size_t b = 0; b < bins.size(); ++b) {
      std::complex<double> acc = 0;
      for (std::size_t k = 0; k < n; ++k) acc += w[k] * (v[k] - mean) * twiddle[bins[b] * k % n];
      psd[b] += 2.0 * h * std::norm(acc) / wsum / cells;
    }
  }
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (std::size_t b = 0; b < bins.size(); ++b) {
    const double f = static_cast<double>(bins[b]) / (static_cast<double>(n) * h);
    const double x = std::log(f), y = std::log(psd[b]);
    sx += x, sy += y, sxx += x * x, sxy += x * y;
    INFO("f " << f << " Hz: PSD f / K_f = " << psd[b] * f / cfg.flicker);
    CHECK(psd[b] * f / cfg.flicker == Approx(1.0).epsilon(0.25));
  }
  const double count = static_cast<double>(bins.size());
  const double slope = (count * sxy - sx * sy) / (count * sxx - sx * sx);
  INFO("fitted slope " << slope << " over " << bins.size() << " frequencies");
  CHECK(slope == Approx(-1.0).margin(0.05));
}

TEST_CASE("read noise: a pure function of seed, trajectory and cell", "[nonideal]") {
  config::ReadNoiseConfig cfg;
  cfg.white = 1e-5;
  cfg.flicker = 1e-5;
  cfg.rtn_fraction = 1;
  cfg.rtn_amplitude = 0.1;
  const ReadNoise a(cfg, DeviceSeeds(1), 4, 1e-3), b(cfg, DeviceSeeds(1), 4, 1e-3);
  const ReadNoise other_seed(cfg, DeviceSeeds(2), 4, 1e-3), other_trajectory(cfg, DeviceSeeds(1), 5, 1e-3);
  // In any order, the same numbers.
  const auto late = b.cell_fluctuation(1, 77);
  const auto early = a.cell_fluctuation(1, 77);
  CHECK(early == late);
  CHECK(a.waveform(early).text() == b.waveform(late).text());
  CHECK(other_seed.cell_fluctuation(1, 77) != early);
  CHECK(other_trajectory.cell_fluctuation(1, 77) != early);
  CHECK(a.cell_fluctuation(1, 78) != early);
  // The netlist text carries the values rounded to 4 significant digits.
  CHECK(round_significant(0.0123456, 4) == 0.01235);
  CHECK(round_significant(-2.5e-9, 4) == -2.5e-9);
}

// ---------------------------------------------------------------------------
// Wires

TEST_CASE("crossbar wires: column currents equal an independent nodal solve", "[nonideal]") {
  // 3 rows x 2 columns of ideal cells with 50-ohm segments (large, to make
  // the IR drop visible), rows driven by sources, columns held at 0 V.
  const int rows = 3, cols = 2;
  const double rw = 50.0;
  const Eigen::Vector3d v_row(0.1, -0.05, 0.08);
  Eigen::MatrixXd g(rows, cols);
  g << 20e-6, 90e-6, 55e-6, 5e-6, 100e-6, 33e-6;
  config::CircuitConfig cc;
  Circuit c;
  auto& b = c.block("wired crossbar");
  CrossbarWires w{"x", rows, cols};
  std::vector<std::string> drivers, outs;
  for (int r = 0; r < rows; ++r) {
    drivers.push_back("d" + std::to_string(r));
    c.add(b, VoltageSource{"Vd" + std::to_string(r), drivers.back(), "0", {v_row(r), std::nullopt}});
  }
  for (int j = 0; j < cols; ++j) {
    outs.push_back("o" + std::to_string(j));
    c.add(b, VoltageSource{"Vo" + std::to_string(j), outs.back(), "0", {0.0, std::nullopt}});
  }
  add_crossbar_wires(c, b, w, drivers, outs, rw);
  for (int r = 0; r < rows; ++r)
    for (int j = 0; j < cols; ++j)
      cell(c, b, "c" + std::to_string(r) + std::to_string(j), w.row_node(r, j), w.column_node(j, r), g(r, j),
           Level::ideal, environment(cc));
  spice::NgspiceSession session;
  spice::Job job;
  job.netlist = spice::emit(c);
  job.analysis = "op";
  const auto res = spice::run_job(session, job);
  REQUIRE(res.ok());

  // Nodal analysis: unknowns are the 2 * rows * cols wire nodes.
  const int n = 2 * rows * cols;
  auto row_idx = [&](int r, int j) { return r * cols + j; };
  auto col_idx = [&](int j, int r) { return rows * cols + j * rows + r; };
  Eigen::MatrixXd A = Eigen::MatrixXd::Zero(n, n);
  Eigen::VectorXd rhs = Eigen::VectorXd::Zero(n);
  auto conductance = [&](int a, int bb, double y) {  // between unknowns (-1 = a fixed voltage)
    if (a >= 0) A(a, a) += y;
    if (bb >= 0) A(bb, bb) += y;
    if (a >= 0 && bb >= 0) A(a, bb) -= y, A(bb, a) -= y;
  };
  for (int r = 0; r < rows; ++r) {
    conductance(row_idx(r, 0), -1, 1 / rw);
    rhs(row_idx(r, 0)) += v_row(r) / rw;
    for (int j = 1; j < cols; ++j) conductance(row_idx(r, j - 1), row_idx(r, j), 1 / rw);
  }
  for (int j = 0; j < cols; ++j) {
    for (int r = 1; r < rows; ++r) conductance(col_idx(j, r - 1), col_idx(j, r), 1 / rw);
    conductance(col_idx(j, rows - 1), -1, 1 / rw);  // to the output at 0 V
  }
  for (int r = 0; r < rows; ++r)
    for (int j = 0; j < cols; ++j) conductance(row_idx(r, j), col_idx(j, r), g(r, j));
  const Eigen::VectorXd v = A.fullPivLu().solve(rhs);
  for (int j = 0; j < cols; ++j) {
    const double expected = v(col_idx(j, rows - 1)) / rw;  // into the output node
    const double measured = res.plot.at("vo" + std::to_string(j) + "#branch").re.at(0);
    const double no_wires = (g.col(j).array() * v_row.array()).sum();
    INFO("column " << j << ": ngspice " << measured << " A, nodal " << expected << " A, without wires " << no_wires);
    CHECK(measured == Approx(expected).epsilon(1e-9));
    CHECK(std::abs(expected - no_wires) > 1e-4 * std::abs(no_wires));  // the drop is visible
  }
}

// ---------------------------------------------------------------------------
// Forced ODE

TEST_CASE("forced ODE: exact for a linear drift with piecewise-constant forcing", "[nonideal][reference]") {
  // dx/dt = -a x + F_k on [t_k, t_{k+1}]:
  //   x_{k+1} = x_k e^{-a d} + F_k (1 - e^{-a d}) / a.
  const double a = 3.0;
  Rng rng(8);
  std::vector<double> breaks = {0.0};
  for (int k = 0; k < 60; ++k) breaks.push_back(breaks.back() + 0.002 + 0.03 * rng.uniform());
  Eigen::MatrixXd forcing(2, 60 * 3);
  rng.fill_normal(forcing);
  forcing *= 20;
  const reference::BatchRhs rhs = [&](const Eigen::MatrixXd& x, Eigen::MatrixXd& d, double) { d = -a * x; };
  const reference::PathSlope slope = [&](std::size_t k, Eigen::MatrixXd& f) {
    f = forcing.middleCols(static_cast<Eigen::Index>(3 * k), 3).topRows(2);
  };
  Eigen::MatrixXd x(2, 3);
  x << 1, -2, 0.5, 0.3, 0, -1;
  Eigen::MatrixXd exact = x;
  const std::vector<double> observe = {breaks[10], 0.5 * (breaks[20] + breaks[21]), breaks.back()};
  std::vector<Eigen::MatrixXd> exact_obs;
  for (std::size_t k = 0; k + 1 < breaks.size(); ++k) {
    const Eigen::MatrixXd f = forcing.middleCols(static_cast<Eigen::Index>(3 * k), 3).topRows(2);
    if (breaks[k] < observe[1] && observe[1] < breaks[k + 1]) {
      const double d = observe[1] - breaks[k];
      exact_obs.push_back(exact * std::exp(-a * d) + f * (-std::expm1(-a * d) / a));
    }
    const double d = breaks[k + 1] - breaks[k];
    exact = exact * std::exp(-a * d) + f * (-std::expm1(-a * d) / a);
    if (k + 1 == 10) exact_obs.insert(exact_obs.begin(), exact);
  }
  exact_obs.push_back(exact);
  reference::OdeOptions o;
  o.rtol = 1e-10;
  o.atol = 1e-10;
  std::vector<Eigen::MatrixXd> obs;
  const auto st = reference::solve_forced_ode(rhs, breaks, slope, x, o, observe, &obs);
  REQUIRE(st.ok);
  CHECK((x - exact).cwiseAbs().maxCoeff() < 1e-8);
  REQUIRE(obs.size() == 3);
  for (int j = 0; j < 3; ++j)
    CHECK((obs[static_cast<std::size_t>(j)] - exact_obs[static_cast<std::size_t>(j)]).cwiseAbs().maxCoeff() < 1e-8);
  CHECK_THROWS_AS(reference::solve_forced_ode(rhs, {0.0, 0.0}, slope, x, o), std::invalid_argument);
}

// ---------------------------------------------------------------------------
// Settled circuit

TEST_CASE("settled circuit: every TIA output equals ngspice's operating point of the solver circuit", "[nonideal]") {
  // The ring solver with programmed (quantised, erroneous) conductances, at
  // behavioural and ideal level; the transient's first point is the
  // operating point with the integrators held at V = k_state x0 (.ic).
  for (const char* level : {"behavioral", "ideal"}) {
    const config::Config cfg = config::load_config(test::source_path("configs/ring.yaml").string(),
                                                   {std::string("circuit.level=") + level, "circuit.crossbar.levels=64",
                                                    "circuit.crossbar.programming_error=0.05"});
    const auto model = nn::load_weights(cfg.resolve(cfg.model.file).string());
    tasks::diffusion::SolverCircuit sc = tasks::diffusion::build_circuit(cfg, model, false);
    const tasks::diffusion::SettledCircuit settled(sc, cfg.circuit);
    Eigen::MatrixXd x0(2, 3);
    x0 << 0.9, -1.7, 2.4, -0.3, 0.6, 1.1;
    spice::NgspiceSession session;
    for (Eigen::Index s = 0; s < x0.cols(); ++s) {
      sc.set_start(x0.col(s));
      sc.circuit.tran = TranAnalysis{1e-9, 1e-8, 1e-9};
      spice::Job job;
      job.netlist = spice::emit(sc.circuit);
      job.vectors = sc.preactivation_nodes;
      const auto res = spice::run_job(session, job);
      INFO(res.message);
      REQUIRE(res.ok());
      const Eigen::MatrixXd predicted = settled.preactivations(x0.col(s), 0.0);
      // What the network itself says (ideal blocks, intended weights), to
      // show the comparison can tell the difference.
      Eigen::MatrixXd net_out(2, 1);
      model.net.forward(x0.col(s), sc.embedding(0.0), nullptr, net_out);
      double worst = 0, scale = 0;
      for (std::size_t k = 0; k < sc.preactivation_nodes.size(); ++k) {
        const double v = res.plot.at(sc.preactivation_nodes[k]).re.at(0);
        worst = std::max(worst, std::abs(v - predicted(static_cast<Eigen::Index>(k), 0)));
        scale = std::max(scale, std::abs(v));
      }
      const auto n = sc.preactivation_nodes.size();
      double network_gap = 0;
      for (int d = 0; d < 2; ++d)
        network_gap = std::max(
            network_gap, std::abs(res.plot.at(sc.preactivation_nodes[n - 2 + static_cast<std::size_t>(d)]).re.at(0) +
                                  sc.k_score * net_out(d, 0)));
      INFO(level << " x0 = (" << x0(0, s) << ", " << x0(1, s) << "): worst |settled - ngspice| " << worst << " V over "
                 << n << " TIA outputs up to " << scale
                 << " V; intended network vs ngspice at the score: " << network_gap << " V");
      CHECK(worst < 1e-8);
      CHECK(network_gap > 1000 * worst);
    }
  }
}

TEST_CASE("settled circuit: at ideal level with exact weights its rate is the PF-ODE in physical time", "[nonideal]") {
  const config::Config cfg = config::load_config(test::source_path("configs/ring.yaml").string(),
                                                 {"circuit.level=ideal", "circuit.dac.points=0"});
  const auto model = nn::load_weights(cfg.resolve(cfg.model.file).string());
  const tasks::diffusion::SolverCircuit sc = tasks::diffusion::build_circuit(cfg, model, false);
  const tasks::diffusion::SettledCircuit settled(sc, cfg.circuit);
  Eigen::MatrixXd x(2, 4);
  x << 0.1, -1, 2, 0.7, 0.5, 0.3, -1.2, -0.7;
  for (double tau : {0.0, 0.3 * sc.duration, 0.99 * sc.duration}) {
    Eigen::MatrixXd rate, s(2, 4);
    settled.rate(x, tau, rate);
    model.net.forward(x, sc.embedding(tau), nullptr, s);
    const Eigen::MatrixXd expected = (x + s) / sc.tau0;
    // Relative error (1 + Rf G) / ideal_gain per TIA (1 + Rf G up to ~30 for
    // these columns) plus 2 / ideal_gain per inverter, over four stages.
    INFO("tau " << tau << ": rate\n" << rate << "\nexpected\n" << expected);
    CHECK((rate - expected).cwiseAbs().maxCoeff() < 3e-5 * expected.cwiseAbs().maxCoeff());
  }
}
