#include "reference/forced_ode.hpp"

#include <algorithm>
#include <chrono>
#include <sstream>
#include <stdexcept>

namespace memcosim::reference {

OdeStats solve_forced_ode(const BatchRhs& rhs, const std::vector<double>& breaks, const PathSlope& slope,
                          Eigen::MatrixXd& x, const OdeOptions& options, std::span<const double> observe_times,
                          std::vector<Eigen::MatrixXd>* observed) {
  if (!rhs || !slope) throw std::invalid_argument("solve_forced_ode: empty right-hand side or slope");
  Eigen::MatrixXd f;
  std::size_t current = static_cast<std::size_t>(-1);
  const IntervalRhs forced = [&](std::size_t k, const Eigen::MatrixXd& s, Eigen::MatrixXd& d, double t) {
    if (k != current) {
      f.resize(s.rows(), s.cols());
      slope(k, f);
      current = k;
    }
    rhs(s, d, t);
    d += f;
  };
  return solve_piecewise_ode(forced, breaks, x, options, observe_times, observed);
}

OdeStats solve_piecewise_ode(const IntervalRhs& rhs, const std::vector<double>& breaks, Eigen::MatrixXd& x,
                             const OdeOptions& options, std::span<const double> observe_times,
                             std::vector<Eigen::MatrixXd>* observed) {
  if (!rhs) throw std::invalid_argument("solve_piecewise_ode: empty right-hand side");
  if (breaks.size() < 2) throw std::invalid_argument("solve_piecewise_ode: needs at least two corners");
  for (std::size_t k = 1; k < breaks.size(); ++k)
    if (!(breaks[k] > breaks[k - 1])) throw std::invalid_argument("solve_piecewise_ode: corners must increase");
  for (std::size_t j = 0; j < observe_times.size(); ++j) {
    const double t = observe_times[j];
    if (!(t >= breaks.front() && t <= breaks.back()) || (j > 0 && !(t > observe_times[j - 1])))
      throw std::invalid_argument("solve_piecewise_ode: observation times must increase inside the corners' span");
  }
  const auto started = std::chrono::steady_clock::now();
  if (observed) observed->assign(observe_times.size(), Eigen::MatrixXd());

  OdeStats total;
  total.ok = true;
  total.message = "ok";
  std::size_t interval = 0;
  const BatchRhs on_interval = [&](const Eigen::MatrixXd& s, Eigen::MatrixXd& d, double t) { rhs(interval, s, d, t); };
  std::size_t next_obs = 0;
  // The start itself may be observed.
  while (next_obs < observe_times.size() && observe_times[next_obs] <= breaks.front()) {
    if (observed) (*observed)[next_obs] = x;
    ++next_obs;
  }
  std::vector<double> obs;
  std::vector<Eigen::MatrixXd> got;
  for (std::size_t k = 0; k + 1 < breaks.size(); ++k) {
    const double t0 = breaks[k], t1 = breaks[k + 1];
    obs.clear();
    const std::size_t first_obs = next_obs;
    while (next_obs < observe_times.size() && observe_times[next_obs] <= t1) obs.push_back(observe_times[next_obs++]);
    interval = k;
    OdeOptions o = options;
    o.dt_initial = std::min(options.dt_initial, t1 - t0);
    const OdeStats s = solve_batch_ode(on_interval, x, t0, t1, o, obs, observed ? &got : nullptr);
    total.steps += s.steps;
    total.rhs_evals += s.rhs_evals;
    if (!s.ok) {
      std::ostringstream m;
      m << "interval " << k << " [" << t0 << ", " << t1 << "]: " << s.message;
      total.ok = false;
      total.message = m.str();
      break;
    }
    if (observed)
      for (std::size_t j = 0; j < obs.size(); ++j) (*observed)[first_obs + j] = got[j];
  }
  total.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return total;
}

}  // namespace memcosim::reference
