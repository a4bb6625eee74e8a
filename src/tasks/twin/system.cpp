#include "tasks/twin/system.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>

#include "reference/forced_ode.hpp"
#include "util/error.hpp"
#include "util/numbers.hpp"

namespace memcosim::tasks::twin {

namespace {
constexpr double kTwoPi = 2.0 * std::numbers::pi;
}  // namespace

double HpParams::window(double x) const {
  const double s = 2.0 * x - 1.0;
  return 1.0 - std::pow(s * s, p);
}

double hp_logistic(const HpParams& hp, double x0, double i, double t) {
  return 1.0 / (1.0 + (1.0 / x0 - 1.0) * std::exp(-4.0 * hp.k() * i * t));
}

int System::dim() const { return kind == SystemKind::hp_memristor ? 1 : lorenz96.n; }
int System::input_dim() const { return kind == SystemKind::hp_memristor ? 1 : 0; }

void System::rhs(const Eigen::Ref<const Eigen::MatrixXd>& x, const Eigen::Ref<const Eigen::MatrixXd>& u,
                 Eigen::MatrixXd& dxdt) const {
  dxdt.resize(x.rows(), x.cols());
  if (kind == SystemKind::hp_memristor) {
    for (Eigen::Index c = 0; c < x.cols(); ++c) dxdt(0, c) = hp.rate(x(0, c), u(0, c));
    return;
  }
  const Eigen::Index n = x.rows();
  for (Eigen::Index c = 0; c < x.cols(); ++c)
    for (Eigen::Index i = 0; i < n; ++i) {
      const double xp1 = x((i + 1) % n, c), xm1 = x((i + n - 1) % n, c), xm2 = x((i + n - 2) % n, c);
      dxdt(i, c) = (xp1 - xm2) * xm1 - x(i, c) + lorenz96.forcing;
    }
}

Eigen::MatrixXd System::readout(const Eigen::Ref<const Eigen::MatrixXd>& x,
                                const Eigen::Ref<const Eigen::MatrixXd>& u) const {
  if (kind != SystemKind::hp_memristor) return x;
  Eigen::MatrixXd i(1, x.cols());
  for (Eigen::Index c = 0; c < x.cols(); ++c) i(0, c) = hp.current(x(0, c), u(0, c));
  return i;
}

std::string System::describe() const {
  if (kind == SystemKind::hp_memristor)
    return "HP memristor (R_on " + text_number(hp.r_on) + " ohm, R_off " + text_number(hp.r_off) + " ohm, D " +
           text_number(hp.d) + " m, mu_v " + text_number(hp.mu_v) + ", Joglekar p " + std::to_string(hp.p) + ")";
  return "Lorenz96 (N " + std::to_string(lorenz96.n) + ", F " + text_number(lorenz96.forcing) + ")";
}

// ---------------------------------------------------------------------------

double Drive::value(double t) const {
  switch (kind) {
    case DriveKind::multisine: {
      double v = 0.0;
      for (std::size_t c = 0; c < amplitudes.size(); ++c)
        v += amplitudes[c] * std::sin(kTwoPi * frequencies[c] * t + phases[c]);
      return v;
    }
    case DriveKind::sine:
      return amplitude * std::sin(kTwoPi * frequency * t + phase);
    case DriveKind::triangle: {
      // Starts at 0 rising, like the sine: (2/pi) asin(sin(.)).
      return amplitude * (2.0 / std::numbers::pi) * std::asin(std::sin(kTwoPi * frequency * t + phase));
    }
    case DriveKind::square: {
      const double s = std::sin(kTwoPi * frequency * t + phase);
      if (rise <= 0) return s > 0 ? amplitude : (s < 0 ? -amplitude : 0.0);
      return amplitude * std::tanh(s / rise) / std::tanh(1.0 / rise);
    }
    case DriveKind::chirp: {
      // Linear sweep: instantaneous frequency f0 + (f1 - f0) t / duration.
      const double rate = (frequency_end - frequency) / duration;
      return amplitude * std::sin(kTwoPi * (frequency * t + 0.5 * rate * t * t) + phase);
    }
  }
  return 0.0;
}

std::string Drive::describe() const {
  switch (kind) {
    case DriveKind::multisine: {
      std::string s = "multisine " + text_number(amplitude) + " V:";
      for (std::size_t c = 0; c < amplitudes.size(); ++c) s += " " + text_number(frequencies[c]) + " Hz";
      return s;
    }
    case DriveKind::sine:
      return "sine " + text_number(frequency) + " Hz " + text_number(amplitude) + " V";
    case DriveKind::triangle:
      return "triangle " + text_number(frequency) + " Hz " + text_number(amplitude) + " V";
    case DriveKind::square:
      return "square " + text_number(frequency) + " Hz " + text_number(amplitude) + " V";
    case DriveKind::chirp:
      return "chirp " + text_number(frequency) + "-" + text_number(frequency_end) + " Hz " + text_number(amplitude) +
             " V";
  }
  return "?";
}

Drive MultisineFamily::draw(Rng& rng) const {
  Drive d;
  d.kind = DriveKind::multisine;
  d.amplitude = rng.uniform(amplitude_min, amplitude_max);
  double total = 0.0;
  for (int c = 0; c < components; ++c) {
    d.frequencies.push_back(rng.uniform(f_min, f_max));
    d.phases.push_back(rng.uniform(0.0, kTwoPi));
    d.amplitudes.push_back(rng.uniform(0.2, 1.0));
    total += d.amplitudes.back();
  }
  for (double& a : d.amplitudes) a *= d.amplitude / total;
  d.frequency = d.frequencies.front();
  return d;
}

double held_value(const Drive& drive, double update_period, double t) {
  if (update_period <= 0) return drive.value(t);
  // A small tolerance so that t = k T (up to rounding) belongs to interval k.
  const double k = std::floor(t / update_period + 1e-9);
  return drive.value(k * update_period);
}

std::vector<double> hold_corners(double update_period, double duration) {
  std::vector<double> c{0.0};
  if (update_period > 0)
    for (long k = 1;; ++k) {
      const double t = static_cast<double>(k) * update_period;
      if (t >= duration * (1.0 - 1e-12)) break;
      c.push_back(t);
    }
  c.push_back(duration);
  return c;
}

// ---------------------------------------------------------------------------

Trajectories integrate(const Field& field, int input_dim, const std::vector<Drive>& drives, double update_period,
                       const Eigen::MatrixXd& x0, std::span<const double> times, const reference::OdeOptions& options) {
  const Eigen::Index n = x0.cols();
  if (times.size() < 2 || times.front() != 0.0)
    throw std::invalid_argument("twin::integrate: the time grid needs >= 2 points starting at 0");
  if ((input_dim == 0) != drives.empty() || (input_dim > 0 && static_cast<Eigen::Index>(drives.size()) != n))
    throw std::invalid_argument("twin::integrate: one drive per case for a driven system, none for an autonomous one");
  if (input_dim > 1) throw std::invalid_argument("twin::integrate: drives are scalar (input_dim <= 1)");
  const double duration = times.back();
  const std::vector<double> corners = hold_corners(update_period, duration);

  Eigen::MatrixXd u(input_dim, n);
  auto drive_at = [&](double t) {
    for (Eigen::Index c = 0; c < n && input_dim > 0; ++c)
      u(0, c) = held_value(drives[static_cast<std::size_t>(c)], update_period, t);
  };
  std::size_t current = static_cast<std::size_t>(-1);
  const reference::IntervalRhs rhs = [&](std::size_t k, const Eigen::MatrixXd& x, Eigen::MatrixXd& dxdt, double t) {
    if (update_period <= 0)
      drive_at(t);
    else if (k != current) {
      drive_at(corners[k]);
      current = k;
    }
    field(x, u, dxdt);
  };
  Trajectories out;
  out.t.assign(times.begin(), times.end());
  Eigen::MatrixXd x = x0;
  out.stats = reference::solve_piecewise_ode(rhs, corners, x, options, times, &out.x);
  out.u.resize(times.size());
  for (std::size_t j = 0; j < times.size(); ++j) {
    drive_at(times[j]);
    out.u[j] = u;
  }
  return out;
}

Eigen::MatrixXd attractor_starts(const System& system, std::uint64_t seed, int count, double transient, double spacing,
                                 const reference::OdeOptions& ode) {
  const int n = system.dim();
  Rng rng(seed);
  Eigen::MatrixXd x0(n, 1);
  for (int i = 0; i < n; ++i) x0(i, 0) = system.lorenz96.forcing + rng.normal(0.0, 1.0);
  std::vector<double> t(static_cast<std::size_t>(count) + 1);
  t[0] = 0.0;
  for (int k = 0; k < count; ++k) t[static_cast<std::size_t>(k) + 1] = transient + spacing * k;
  if (transient == 0) t.erase(t.begin());  // the first start is t = 0 itself
  Trajectories tr = integrate(system_field(system), 0, {}, 0.0, x0, t, ode);
  if (!tr.stats.ok)
    throw SimulationError("attractor starts: integration failed: " + tr.stats.message +
                          " (sampling.ode.max_steps and rtol bound each solve)");
  Eigen::MatrixXd s(n, count);
  for (int k = 0; k < count; ++k) s.col(k) = tr.x[tr.x.size() - static_cast<std::size_t>(count - k)].col(0);
  return s;
}

Field system_field(const System& system) {
  return
      [system](const Eigen::MatrixXd& x, const Eigen::MatrixXd& u, Eigen::MatrixXd& dxdt) { system.rhs(x, u, dxdt); };
}

}  // namespace memcosim::tasks::twin
