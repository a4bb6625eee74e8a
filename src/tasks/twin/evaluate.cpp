#include "tasks/twin/evaluate.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <stdexcept>

#include "util/error.hpp"
#include "util/random.hpp"

namespace memcosim::tasks::twin {

namespace {

std::vector<double> grid(double duration, int points) {
  std::vector<double> t(static_cast<std::size_t>(points));
  for (int j = 0; j < points; ++j) t[static_cast<std::size_t>(j)] = duration * j / (points - 1);
  t.back() = duration;
  return t;
}

// Columns of a trajectory set for case c: rows x T.
Eigen::MatrixXd case_matrix(const std::vector<Eigen::MatrixXd>& xs, Eigen::Index c) {
  if (xs.empty()) return {};
  Eigen::MatrixXd m(xs.front().rows(), static_cast<Eigen::Index>(xs.size()));
  for (std::size_t j = 0; j < xs.size(); ++j) m.col(static_cast<Eigen::Index>(j)) = xs[j].col(c);
  return m;
}

// A failed Odeint solve is a simulation error (exit 1 with this message, not
// an internal one): the config asked for more than sampling.ode allows.
void require_ok(const reference::OdeStats& s, const std::string& what) {
  if (!s.ok)
    throw SimulationError(what + ": integration failed: " + s.message +
                          " (sampling.ode.max_steps and rtol bound each solve; twin.metrics.stats_horizon and "
                          "twin.test.duration set its length)");
}

double median(std::vector<double> v) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace

Eigen::MatrixXd long_run(const Field& field, const Eigen::VectorXd& x0, double transient, double horizon, double dt,
                         const reference::OdeOptions& ode, const std::string& what) {
  const auto points = static_cast<int>(std::llround(horizon / dt)) + 1;
  std::vector<double> t = grid(transient + horizon, points + static_cast<int>(std::llround(transient / dt)));
  Trajectories tr = integrate(field, 0, {}, 0.0, x0, t, ode);
  require_ok(tr.stats, what);
  Eigen::MatrixXd x(x0.size(), points);
  const std::size_t first = t.size() - static_cast<std::size_t>(points);
  for (int j = 0; j < points; ++j) x.col(j) = tr.x[first + static_cast<std::size_t>(j)].col(0);
  return x;
}

System system_from_config(const config::Config& cfg) {
  const config::TwinConfig& t = cfg.twin;
  System s;
  s.kind = t.system == config::TwinSystem::hp_memristor ? SystemKind::hp_memristor : SystemKind::lorenz96;
  s.hp = {t.hp.r_on, t.hp.r_off, t.hp.thickness, t.hp.mobility, t.hp.window_p};
  s.lorenz96 = {t.lorenz96.n, t.lorenz96.forcing};
  return s;
}

reference::OdeOptions ode_options(const config::Config& cfg) {
  reference::OdeOptions o;
  const auto& c = cfg.sampling.ode;
  o.stepper = c.stepper == config::OdeStepper::dopri5        ? reference::OdeStepper::dopri5
              : c.stepper == config::OdeStepper::cash_karp54 ? reference::OdeStepper::cash_karp54
                                                             : reference::OdeStepper::fehlberg78;
  o.rtol = c.rtol;
  o.atol = c.atol;
  o.dt_initial = c.dt_initial;
  o.max_steps = c.max_steps;
  return o;
}

std::vector<Drive> test_drives(const config::Config& cfg) {
  const config::TwinTestConfig& t = cfg.twin.test;
  std::vector<Drive> d;
  auto add = [&](const config::TwinTestDriveConfig& c, DriveKind kind) {
    if (!c.enabled) return;
    Drive x;
    x.kind = kind;
    x.amplitude = c.amplitude;
    x.frequency = c.frequency;
    x.frequency_end = kind == DriveKind::chirp ? c.frequency_end : c.frequency;
    x.duration = t.duration;
    x.rise = kind == DriveKind::square ? t.square_rise : 0.0;
    d.push_back(x);
  };
  add(t.sine, DriveKind::sine);
  add(t.triangle, DriveKind::triangle);
  add(t.square, DriveKind::square);
  add(t.chirp, DriveKind::chirp);
  return d;
}

Eigen::MatrixXd test_starts(const config::Config& cfg) {
  // 10 time units apart: many Lyapunov times, so the starts are independent.
  return attractor_starts(system_from_config(cfg), derive_seed(cfg.seed, "twin-test-starts"), cfg.twin.test.starts,
                          cfg.twin.lorenz96.transient, 10.0, ode_options(cfg));
}

Field twin_field(const nn::Mlp& net, int dim) {
  if (net.output_dim() != dim || net.input_dim() < dim)
    throw std::invalid_argument("twin_field: the network must map [x; u] to dx/dt of dimension " + std::to_string(dim));
  return [&net, dim](const Eigen::MatrixXd& x, const Eigen::MatrixXd& u, Eigen::MatrixXd& dxdt) {
    Eigen::MatrixXd z(net.input_dim(), x.cols());
    z.topRows(dim) = x;
    if (net.input_dim() > dim) z.bottomRows(net.input_dim() - dim) = u;
    dxdt.resize(dim, x.cols());
    net.forward(z, dxdt);
  };
}

SoftwareEvaluation evaluate_software(const config::Config& cfg, const nn::Mlp& net) {
  const auto started = std::chrono::steady_clock::now();
  const System system = system_from_config(cfg);
  const config::TwinConfig& tc = cfg.twin;
  const reference::OdeOptions ode = ode_options(cfg);
  const int dim = system.dim();
  if (net.input_dim() != dim + system.input_dim() || net.output_dim() != dim)
    throw std::invalid_argument("evaluate_software: the network maps " + std::to_string(net.input_dim()) + " -> " +
                                std::to_string(net.output_dim()) + ", the system needs " +
                                std::to_string(dim + system.input_dim()) + " -> " + std::to_string(dim));
  const Field truth = system_field(system), twin = twin_field(net, dim);
  const std::vector<double> t = grid(tc.test.duration, tc.test.points);

  SoftwareEvaluation ev;
  ev.system = tc.system;
  std::vector<Drive> drives;
  Eigen::MatrixXd x0;
  if (system.kind == SystemKind::hp_memristor) {
    drives = test_drives(cfg);
    x0 = Eigen::MatrixXd::Constant(1, static_cast<Eigen::Index>(drives.size()), tc.hp.x0);
  } else {
    x0 = test_starts(cfg);
  }
  const double period = system.input_dim() > 0 ? tc.update_period : 0.0;
  const Trajectories tt = integrate(truth, system.input_dim(), drives, period, x0, t, ode);
  require_ok(tt.stats, "true system");
  const Trajectories tw = integrate(twin, system.input_dim(), drives, period, x0, t, ode);
  require_ok(tw.stats, "software twin");

  if (system.kind == SystemKind::lorenz96) {
    // Lyapunov exponent and attractor size from the true system, started
    // from the first test start (on the attractor).
    const LyapunovResult ly = largest_lyapunov(truth, x0.col(0), tc.metrics.lyapunov_time, tc.metrics.lyapunov_interval,
                                               tc.metrics.lyapunov_delta, ode);
    require_ok(ly.stats, "Lyapunov exponent");
    ev.lyapunov_exponent = ly.exponent;
    const Eigen::MatrixXd xt =
        long_run(truth, x0.col(0), 0.0, tc.metrics.stats_horizon, tc.data.dt, ode, "true long run");
    const Eigen::MatrixXd xw =
        long_run(twin, x0.col(0), tc.lorenz96.transient, tc.metrics.stats_horizon, tc.data.dt, ode, "twin long run");
    ev.attractor_scale = attractor_scale(xt);
    const double lo = xt.minCoeff() - 0.1 * (xt.maxCoeff() - xt.minCoeff());
    const double hi = xt.maxCoeff() + 0.1 * (xt.maxCoeff() - xt.minCoeff());
    ev.true_stats = attractor_stats(xt, tc.data.dt, tc.metrics.lags, tc.metrics.histogram_bins, lo, hi);
    ev.twin_stats = attractor_stats(xw, tc.data.dt, tc.metrics.lags, tc.metrics.histogram_bins, lo, hi);
  }

  std::vector<double> vpts;
  for (Eigen::Index c = 0; c < x0.cols(); ++c) {
    CaseResult r;
    r.label = system.kind == SystemKind::hp_memristor ? drives[static_cast<std::size_t>(c)].describe()
                                                      : "start " + std::to_string(c);
    r.t = t;
    r.u = system.input_dim() > 0 ? case_matrix(tt.u, c) : Eigen::MatrixXd(0, static_cast<Eigen::Index>(t.size()));
    r.x_true = case_matrix(tt.x, c);
    r.x_twin = case_matrix(tw.x, c);
    r.y_true = system.readout(r.x_true, r.u);
    r.y_twin = system.readout(r.x_twin, r.u);
    r.state_max_error = (r.x_twin - r.x_true).cwiseAbs().maxCoeff();
    if (system.kind == SystemKind::hp_memristor) {
      r.current_nrmse = nrmse(r.y_twin, r.y_true);
      ev.max_current_nrmse = std::max(ev.max_current_nrmse, r.current_nrmse);
    } else {
      r.vpt = valid_prediction_time(t, r.x_twin, r.x_true, ev.attractor_scale, tc.metrics.vpt_threshold,
                                    ev.lyapunov_exponent);
      vpts.push_back(r.vpt);
    }
    ev.cases.push_back(std::move(r));
  }
  ev.median_vpt = median(vpts);
  ev.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return ev;
}

std::string format_evaluation(const SoftwareEvaluation& ev) {
  std::string s;
  char line[200];
  if (ev.system == config::TwinSystem::hp_memristor) {
    s += "software twin vs true HP memristor (unseen drives; current NRMSE = RMS error / true peak-to-peak):\n";
    for (const CaseResult& r : ev.cases) {
      std::snprintf(line, sizeof line, "  %-34s current NRMSE %6.2f %%   max |x error| %.4f\n", r.label.c_str(),
                    100.0 * r.current_nrmse, r.state_max_error);
      s += line;
    }
    std::snprintf(line, sizeof line, "  worst current NRMSE %.2f %%  (%.1f s)\n", 100.0 * ev.max_current_nrmse,
                  ev.seconds);
    s += line;
    return s;
  }
  const StatsComparison cmp = compare_stats(ev.twin_stats, ev.true_stats);
  std::vector<double> v;
  for (const CaseResult& r : ev.cases) v.push_back(r.vpt);
  std::sort(v.begin(), v.end());
  std::snprintf(line, sizeof line,
                "software twin vs true Lorenz96: largest Lyapunov exponent %.4f (Lyapunov time %.3f), attractor "
                "scale %.3f\n",
                ev.lyapunov_exponent, 1.0 / ev.lyapunov_exponent, ev.attractor_scale);
  s += line;
  std::snprintf(line, sizeof line,
                "  valid prediction time over %zu starts (Lyapunov times): median %.2f, min %.2f, max %.2f\n", v.size(),
                ev.median_vpt, v.front(), v.back());
  s += line;
  std::snprintf(line, sizeof line,
                "  long run: max |mean error| %.3f std, max |var ratio - 1| %.3f, max |acf error| %.3f, max histogram "
                "TV %.3f  (%.1f s)\n",
                cmp.max_mean_error, cmp.max_variance_ratio_error, cmp.max_autocorrelation_error, cmp.max_histogram_tv,
                ev.seconds);
  s += line;
  return s;
}

}  // namespace memcosim::tasks::twin
