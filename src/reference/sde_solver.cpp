#include "reference/sde_solver.hpp"

#include <chrono>
#include <cmath>
#include <stdexcept>
#include <utility>

#include "reference/euler_maruyama.hpp"
#include "reference/odeint_eigen.hpp"
#include "reference/time_points.hpp"
#include "sde/dynamics.hpp"

namespace memcosim::reference {

namespace ode = boost::numeric::odeint;

namespace {
// Thrown when drift or diffusion returns a non-finite value; caught below.
struct NonFiniteTerm {
  const char* what;
  double t;
};

struct CountingCall {
  const BatchRhs* f;
  long* evals;
  const char* name;
  void operator()(const Eigen::MatrixXd& x, Eigen::MatrixXd& out, double t) const {
    if (evals) ++*evals;
    out.resize(x.rows(), x.cols());
    (*f)(x, out, t);
    if (!out.allFinite()) throw NonFiniteTerm{name, t};
  }
};
}  // namespace

SdeStats solve_batch_sde(const BatchRhs& drift, const BatchRhs& diffusion, Eigen::MatrixXd& x,
                         const sde::BrownianPath& path, std::uint64_t first_sample, std::span<const double> step_grid,
                         std::span<const double> observe_times, std::vector<Eigen::MatrixXd>* observed) {
  if (!drift || !diffusion) throw std::invalid_argument("solve_batch_sde: empty drift or diffusion");
  std::vector<double> grid = step_grid.empty() ? path.grid() : std::vector<double>(step_grid.begin(), step_grid.end());
  if (grid.size() < 2) throw std::invalid_argument("solve_batch_sde: step grid needs >= 2 points");
  // Every step must start and end on points of the path's grid, in its
  // direction (BrownianNoise checks again per step; failing here is clearer).
  std::size_t prev = path.index_of(grid[0]);
  if (prev == sde::BrownianPath::npos)
    throw std::invalid_argument("solve_batch_sde: step grid point 0 is not on the Brownian grid");
  for (std::size_t k = 1; k < grid.size(); ++k) {
    const std::size_t idx = path.index_of(grid[k], prev);
    if (idx == sde::BrownianPath::npos || idx <= prev)
      throw std::invalid_argument("solve_batch_sde: step grid point " + std::to_string(k) +
                                  " is not a later point of the Brownian grid");
    prev = idx;
  }
  const TimePoints points = grid_time_points(grid, observe_times, "solve_batch_sde");

  SdeStats stats;
  SolveRun<SdeStats> bookkeeping(stats);
  auto finish = [&](bool ok, std::string message) { return bookkeeping.finish(ok, std::move(message)); };
  if (auto done = bookkeeping.trivial(x, observe_times.size(), observed)) return *done;
  Recorder recorder{&points.slot, observed, 0};

  EulerMaruyama stepper(sde::BrownianNoise(path, first_sample));
  const auto system =
      std::make_pair(CountingCall{&drift, &stats.drift_evals, "drift"}, CountingCall{&diffusion, nullptr, "diffusion"});
  // A "maximum step" spanning the whole grid: integrate_times then takes
  // exactly one step per interval, from grid[k] to grid[k + 1].
  const double dt = grid.back() - grid.front();
  try {
    const std::size_t steps =
        ode::integrate_times(std::ref(stepper), system, x, grid.begin(), grid.end(), dt, std::ref(recorder));
    stats.steps = static_cast<long>(steps);
  } catch (const NonFiniteTerm& e) {
    stats.steps = stepper.steps();
    return finish(false, std::string("stopped: the ") + e.what + " is not finite at t = " + std::to_string(e.t));
  }
  if (!x.allFinite()) return finish(false, "state became non-finite");
  return finish(true, "ok");
}

SdeStats integrate_reverse_sde(const sde::ScoreModel& score, const sde::VpSchedule& schedule, Eigen::MatrixXd& x,
                               const sde::BrownianPath& path, std::uint64_t first_sample,
                               std::span<const double> step_grid, std::span<const double> observe_times,
                               std::vector<Eigen::MatrixXd>* observed) {
  if (x.rows() != score.dim())
    throw std::invalid_argument("integrate_reverse_sde: state has " + std::to_string(x.rows()) +
                                " rows but the score model's dim is " + std::to_string(score.dim()));
  const sde::ReverseSdeDrift f(score, schedule);
  const sde::ReverseSdeDiffusion g(schedule);
  const BatchRhs drift = [&f](const Eigen::MatrixXd& s, Eigen::MatrixXd& out, double t) { f(s, out, t); };
  const BatchRhs diffusion = [&g](const Eigen::MatrixXd& s, Eigen::MatrixXd& out, double t) { g(s, out, t); };
  return solve_batch_sde(drift, diffusion, x, path, first_sample, step_grid, observe_times, observed);
}

}  // namespace memcosim::reference
