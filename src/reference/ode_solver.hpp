// Adaptive reference solver for batched ODEs (Boost.Odeint), and the
// probability-flow ODE of a VP diffusion model on top of it.
//
// The whole batch (dim x N, one sample per column) is one odeint state with
// one shared step size: odeint's error norm is the maximum over all
// elements, so every sample is integrated at least as accurately as the
// tolerances ask. Integration may run backwards in time (t1 < t0).
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include "sde/schedule.hpp"
#include "sde/score.hpp"
#include "util/error.hpp"

namespace memcosim::reference {

// The adaptive Runge–Kutta pair.
enum class OdeStepper {
  dopri5,       // Dormand–Prince 5(4), dense output (observations interpolated, order 4)
  cash_karp54,  // Cash–Karp 5(4), controlled (steps land on every observation time)
  fehlberg78,   // Runge–Kutta–Fehlberg 7(8), controlled (steps land on every observation time)
};
std::string_view to_string(OdeStepper stepper);
// "dopri5", "cash_karp54", "fehlberg78"; nullopt for anything else.
std::optional<OdeStepper> parse_ode_stepper(std::string_view name);

struct OdeOptions {
  OdeStepper stepper = OdeStepper::dopri5;
  // Error control per element: |err| <= atol + rtol (|x| + |dt| |dx/dt|)
  // (odeint's default_error_checker with a_x = a_dxdt = 1).
  double rtol = 1e-6;  // >= 0
  double atol = 1e-6;  // >= 0, not both zero
  // First trial step, magnitude (the sign follows the direction). > 0.
  double dt_initial = 1e-3;
  // Largest step, magnitude; 0 = unlimited. >= 0.
  double dt_max = 0.0;
  // Accepted steps allowed per solve; beyond that the solve stops with
  // ok = false. >= 1.
  long max_steps = 100000;

  // One diagnostic per violated rule; key paths are prefix + ".rtol" etc.
  std::vector<Diagnostic> check(std::string_view prefix = "ode") const;
};

// Why and how a solve stopped.
struct OdeStats {
  bool ok = false;
  std::string message;  // "ok", or what went wrong
  long steps = 0;       // accepted steps
  long rhs_evals = 0;   // right-hand-side evaluations (batched calls)
  double wall_seconds = 0.0;
};

// A batched right-hand side: dxdt = f(x, t), x and dxdt dim x N.
using BatchRhs = std::function<void(const Eigen::MatrixXd& x, Eigen::MatrixXd& dxdt, double t)>;

// Integrates dx/dt = rhs(x, t) from t0 to t1 (either direction); on return x
// holds x(t1) (if ok; otherwise wherever the solve stopped).
//
// observe_times: optional, strictly monotone in the direction of integration
// and inside [t0, t1] (the ends are allowed). If observed is not null it is
// resized to observe_times.size() and observed[j] receives x(observe_times[j])
// (dopri5: dense-output interpolation; the others step onto each time).
//
// Throws InputError for invalid options and std::invalid_argument for bad
// times; numerical failure (step-size underflow, max_steps, a non-finite
// state) is reported in the result, not thrown.
OdeStats solve_batch_ode(const BatchRhs& rhs, Eigen::MatrixXd& x, double t0, double t1, const OdeOptions& options,
                         std::span<const double> observe_times = {}, std::vector<Eigen::MatrixXd>* observed = nullptr);

// The PF-ODE dx/dt = -1/2 beta(t) [x + s(x, t)] of `schedule` from t_start
// down to t_end, for the batch x (dim x N). Same contract as solve_batch_ode.
OdeStats integrate_pf_ode(const sde::ScoreModel& score, const sde::VpSchedule& schedule, Eigen::MatrixXd& x,
                          double t_start, double t_end, const OdeOptions& options,
                          std::span<const double> observe_times = {}, std::vector<Eigen::MatrixXd>* observed = nullptr);

}  // namespace memcosim::reference
