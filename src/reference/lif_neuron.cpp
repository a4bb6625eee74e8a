#include "reference/lif_neuron.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include <boost/numeric/odeint.hpp>

namespace memcosim::reference {

namespace ode = boost::numeric::odeint;

namespace {

// I(t) of the corners (held at the ends).
double pwl_at(const std::vector<double>& ts, const std::vector<double>& is, double t) {
  if (t <= ts.front()) return is.front();
  if (t >= ts.back()) return is.back();
  const auto k = static_cast<std::size_t>(std::upper_bound(ts.begin(), ts.end(), t) - ts.begin());
  const double f = (t - ts[k - 1]) / (ts[k] - ts[k - 1]);
  return is[k - 1] + f * (is[k] - is[k - 1]);
}

}  // namespace

LifSolution solve_lif_neuron(const LifNeuronModel& m, const std::vector<double>& current_t,
                             const std::vector<double>& current_i, int steps, double v0,
                             std::span<const double> observe_times, const OdeOptions& options) {
  if (auto diags = options.check(); !diags.empty()) throw InputError(std::move(diags));
  if (!(m.c > 0) || !(m.r_leak > 0) || !(m.step > 0) || !(m.r_reset >= 0) || steps < 1)
    throw std::invalid_argument("solve_lif_neuron: C, R_leak, step must be > 0, R_reset >= 0, steps >= 1");
  if (!(m.strobe > 0 && m.strobe < m.reset_start && m.reset_start < m.reset_end && m.reset_end <= 1))
    throw std::invalid_argument("solve_lif_neuron: need 0 < strobe < reset_start < reset_end <= 1");
  if (current_t.empty() || current_t.size() != current_i.size())
    throw std::invalid_argument("solve_lif_neuron: current corners and values differ in number (or are empty)");
  for (std::size_t k = 1; k < current_t.size(); ++k)
    if (!(current_t[k] > current_t[k - 1]))
      throw std::invalid_argument("solve_lif_neuron: current corners must increase");
  const double D = m.step, t_end = steps * D;
  for (std::size_t j = 0; j < observe_times.size(); ++j)
    if (!(observe_times[j] >= 0 && observe_times[j] <= t_end) || (j > 0 && !(observe_times[j] > observe_times[j - 1])))
      throw std::invalid_argument("solve_lif_neuron: observation times must increase inside [0, steps * step]");
  const auto started = std::chrono::steady_clock::now();

  // Corners of the right-hand side.
  std::vector<double> breaks{0.0, t_end};
  for (double t : current_t)
    if (t > 0 && t < t_end) breaks.push_back(t);
  for (int k = 0; k < steps; ++k)
    for (double f : {m.strobe, m.reset_start, m.reset_end})
      if ((k + f) * D < t_end) breaks.push_back((k + f) * D);
  std::sort(breaks.begin(), breaks.end());
  const double merge = 1e-12 * D;
  breaks.erase(std::unique(breaks.begin(), breaks.end(), [&](double a, double b) { return b - a < merge; }),
               breaks.end());

  LifSolution out;
  out.spikes.assign(static_cast<std::size_t>(steps), false);
  out.observed.assign(observe_times.size(), 0.0);
  out.stats.ok = true;
  out.stats.message = "ok";
  std::size_t next_obs = 0;
  auto observe_until = [&](double t_hi, auto&& value_at) {
    while (next_obs < observe_times.size() && observe_times[next_obs] <= t_hi) {
      out.observed[next_obs] = value_at(observe_times[next_obs]);
      ++next_obs;
    }
  };
  auto near = [&](double t, double f, int k) { return std::abs(t - (k + f) * D) < merge; };

  double v = v0;
  for (std::size_t b = 0; b + 1 < breaks.size(); ++b) {
    const double a = breaks[b], e = breaks[b + 1];
    const int k = std::min(steps - 1, static_cast<int>(std::floor((a + merge) / D)));
    if (near(a, m.strobe, k)) out.spikes[static_cast<std::size_t>(k)] = v > m.threshold;
    const bool resetting = out.spikes[static_cast<std::size_t>(k)] && a + merge >= (k + m.reset_start) * D &&
                           e <= (k + m.reset_end) * D + merge;
    if (resetting && m.r_reset == 0) {
      // The ideal switch: V jumps to 0 and stays there for the window.
      if (v > m.threshold && near(a, m.reset_start, k)) out.crossings.push_back({a, false});
      v = 0.0;
      observe_until(e, [](double) { return 0.0; });
      continue;
    }
    const double ia = pwl_at(current_t, current_i, a), ie = pwl_at(current_t, current_i, e);
    const double slope = (ie - ia) / (e - a);
    const double g = 1.0 / m.r_leak + (resetting ? 1.0 / m.r_reset : 0.0);
    long* evals = &out.stats.rhs_evals;
    // Linear in t on [a, e] and continued linearly beyond (the last step may overshoot e).
    auto rhs = [&, evals](const double& x, double& dxdt, double t) {
      ++*evals;
      dxdt = (ia + slope * (t - a) - g * x) / m.c;
    };
    auto stepper =
        ode::make_dense_output(options.atol, options.rtol, options.dt_max, ode::runge_kutta_dopri5<double>());
    stepper.initialize(v, a, std::min(options.dt_initial, e - a));
    auto value_at = [&](double t) {
      double x = 0;
      stepper.calc_state(t, x);
      return x;
    };
    if (next_obs < observe_times.size() && observe_times[next_obs] <= a) observe_until(a, [&](double) { return v; });
    while (true) {
      const auto [t0, t1] = stepper.do_step(rhs);
      if (++out.stats.steps > options.max_steps) {
        std::ostringstream msg;
        msg << "stopped: max_steps (" << options.max_steps << ") reached near t = " << t1;
        out.stats.ok = false;
        out.stats.message = msg.str();
        return out;
      }
      const double hi = std::min(t1, e);
      // Threshold crossings on [t0, hi]: sign changes on a sub-grid, then bisection.
      const int sub = 8;
      double ta = t0, ga = value_at(t0) - m.threshold;
      for (int s = 1; s <= sub; ++s) {
        const double tb = t0 + (hi - t0) * s / sub, gb = value_at(tb) - m.threshold;
        if ((ga <= 0) != (gb <= 0)) {
          double lo_t = ta, hi_t = tb;
          const bool up = ga <= 0;
          while (hi_t - lo_t > 1e-6 * D) {
            const double mid = 0.5 * (lo_t + hi_t);
            ((value_at(mid) - m.threshold <= 0) == up ? lo_t : hi_t) = mid;
          }
          out.crossings.push_back({0.5 * (lo_t + hi_t), up});
        }
        ta = tb;
        ga = gb;
      }
      observe_until(hi, value_at);
      if (t1 >= e) {
        v = value_at(e);
        break;
      }
    }
    if (!std::isfinite(v)) {
      out.stats.ok = false;
      out.stats.message = "the membrane voltage became non-finite";
      return out;
    }
  }
  observe_until(t_end, [&](double) { return v; });
  out.stats.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return out;
}

}  // namespace memcosim::reference
