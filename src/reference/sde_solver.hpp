// Reference solver for batched SDEs driven by a given Brownian path
// (Euler–Maruyama on a fixed grid, stepped by odeint's integrate_times), and
// the reverse SDE of a VP diffusion model on top of it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "reference/ode_solver.hpp"  // BatchRhs
#include "sde/brownian.hpp"
#include "sde/schedule.hpp"
#include "sde/score.hpp"

namespace memcosim::reference {

struct SdeStats {
  bool ok = false;
  std::string message;   // "ok", or what went wrong
  long steps = 0;        // Euler–Maruyama steps
  long drift_evals = 0;  // drift evaluations (batched calls)
  double wall_seconds = 0.0;
};

// Integrates dx = drift(x, t) dt + diffusion(x, t) ∘ dW with Euler–Maruyama,
// column j of x being sample first_sample + j of `path`.
//
// step_grid: the times stepped through (monotone; every point must be a
// point of path.grid()); empty = path.grid() itself. A coarser step_grid
// gets the summed fine increments: the same path, refined or not.
// observe_times: optional points of step_grid, strictly monotone along it;
// observed[j] receives x at observe_times[j].
//
// Throws std::invalid_argument for bad grids/times; a non-finite state is
// reported in the result.
SdeStats solve_batch_sde(const BatchRhs& drift, const BatchRhs& diffusion, Eigen::MatrixXd& x,
                         const sde::BrownianPath& path, std::uint64_t first_sample,
                         std::span<const double> step_grid = {}, std::span<const double> observe_times = {},
                         std::vector<Eigen::MatrixXd>* observed = nullptr);

// The reverse VP SDE dx = [-1/2 beta x - beta s(x, t)] dt + sqrt(beta) dW
// of `schedule` along path.grid() (normally from t_start down to t_end).
SdeStats integrate_reverse_sde(const sde::ScoreModel& score, const sde::VpSchedule& schedule, Eigen::MatrixXd& x,
                               const sde::BrownianPath& path, std::uint64_t first_sample,
                               std::span<const double> step_grid = {}, std::span<const double> observe_times = {},
                               std::vector<Eigen::MatrixXd>* observed = nullptr);

}  // namespace memcosim::reference
