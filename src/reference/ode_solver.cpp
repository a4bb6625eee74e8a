#include "reference/ode_solver.hpp"

#include <chrono>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "reference/odeint_eigen.hpp"
#include "reference/time_points.hpp"
#include "sde/dynamics.hpp"

namespace memcosim::reference {

namespace ode = boost::numeric::odeint;

std::string_view to_string(OdeStepper stepper) {
  switch (stepper) {
    case OdeStepper::dopri5:
      return "dopri5";
    case OdeStepper::cash_karp54:
      return "cash_karp54";
    case OdeStepper::fehlberg78:
      return "fehlberg78";
  }
  return "?";
}

std::optional<OdeStepper> parse_ode_stepper(std::string_view name) {
  for (OdeStepper s : {OdeStepper::dopri5, OdeStepper::cash_karp54, OdeStepper::fehlberg78})
    if (name == to_string(s)) return s;
  return std::nullopt;
}

std::vector<Diagnostic> OdeOptions::check(std::string_view prefix) const {
  std::vector<Diagnostic> out;
  const std::string p(prefix);
  auto bad = [&](const char* key, const std::string& msg) {
    Diagnostic d;  // (not aggregate-initialised: g++ 12 warns falsely about SourceLocation)
    d.key_path = p.empty() ? std::string(key) : p + "." + key;
    d.message = msg;
    out.push_back(std::move(d));
  };
  auto num = [](double v) {
    std::ostringstream s;
    s << v;
    return s.str();
  };
  if (!(rtol >= 0.0) || !std::isfinite(rtol)) bad("rtol", "must be >= 0 (got " + num(rtol) + ")");
  if (!(atol >= 0.0) || !std::isfinite(atol)) bad("atol", "must be >= 0 (got " + num(atol) + ")");
  if (rtol == 0.0 && atol == 0.0) bad("atol", "rtol and atol must not both be 0");
  if (!(dt_initial > 0.0) || !std::isfinite(dt_initial)) bad("dt_initial", "must be > 0 (got " + num(dt_initial) + ")");
  if (!(dt_max >= 0.0) || !std::isfinite(dt_max))
    bad("dt_max", "must be >= 0, 0 = unlimited (got " + num(dt_max) + ")");
  if (max_steps < 1) bad("max_steps", "must be >= 1 (got " + std::to_string(max_steps) + ")");
  return out;
}

namespace {

using State = Eigen::MatrixXd;

// Thrown by the step checker when max_steps is exceeded; caught in
// solve_batch_ode and turned into ok = false. Never leaves this file.
struct StepLimitReached {};

// Thrown by the counted right-hand side when it returns a non-finite value,
// so the solve stops there instead of carrying NaN to the end (odeint's step
// control does not reject a NaN error estimate). Never leaves this file.
struct NonFiniteRhs {
  double t;
};

// odeint StepOverflowChecker: counts accepted steps over the whole solve
// (odeint's own max_step_checker counts between observations only).
class TotalStepChecker {
 public:
  explicit TotalStepChecker(long max_steps) : max_steps_(max_steps) {}
  void operator()() {
    if (++steps_ > max_steps_) throw StepLimitReached{};
  }
  void reset() {}  // called by odeint at every observation; the limit is total
  long steps() const { return steps_; }

 private:
  long max_steps_;
  long steps_ = 0;
};

// The system odeint sees: the user's rhs, counted. Copied by value inside
// odeint, so the counters live outside.
struct CountingRhs {
  const BatchRhs* rhs;
  long* evals;
  double* last_t;
  void operator()(const State& x, State& dxdt, double t) const {
    ++*evals;
    *last_t = t;
    dxdt.resize(x.rows(), x.cols());
    (*rhs)(x, dxdt, t);
    if (!dxdt.allFinite()) throw NonFiniteRhs{t};
  }
};

template <class Stepper>
std::size_t run(Stepper& stepper, const CountingRhs& system, State& x, const std::vector<double>& times, double dt,
                Recorder& recorder, TotalStepChecker& checker) {
  return ode::integrate_times(std::ref(stepper), system, x, times.begin(), times.end(), dt, std::ref(recorder),
                              std::ref(checker));
}

}  // namespace

OdeStats solve_batch_ode(const BatchRhs& rhs, Eigen::MatrixXd& x, double t0, double t1, const OdeOptions& options,
                         std::span<const double> observe_times, std::vector<Eigen::MatrixXd>* observed) {
  if (auto diags = options.check(); !diags.empty()) throw InputError(std::move(diags));
  if (!rhs) throw std::invalid_argument("solve_batch_ode: empty right-hand side");
  const TimePoints points = make_time_points(t0, t1, observe_times, "solve_batch_ode");

  OdeStats stats;
  SolveRun<OdeStats> bookkeeping(stats);
  auto finish = [&](bool ok, std::string message) { return bookkeeping.finish(ok, std::move(message)); };
  if (auto done = bookkeeping.trivial(x, observe_times.size(), observed)) return *done;
  Recorder recorder{&points.slot, observed, 0};

  const double dir = t1 > t0 ? 1.0 : -1.0;
  double dt = dir * options.dt_initial;
  const double max_dt = dir * options.dt_max;
  if (options.dt_max > 0.0 && options.dt_initial > options.dt_max) dt = max_dt;

  double last_t = t0;
  const CountingRhs system{&rhs, &stats.rhs_evals, &last_t};
  TotalStepChecker checker(options.max_steps);

  try {
    std::size_t steps = 0;
    switch (options.stepper) {
      case OdeStepper::dopri5: {
        auto stepper = ode::make_dense_output(options.atol, options.rtol, max_dt, ode::runge_kutta_dopri5<State>());
        steps = run(stepper, system, x, points.times, dt, recorder, checker);
        break;
      }
      case OdeStepper::cash_karp54: {
        auto stepper = ode::make_controlled(options.atol, options.rtol, max_dt, ode::runge_kutta_cash_karp54<State>());
        steps = run(stepper, system, x, points.times, dt, recorder, checker);
        break;
      }
      case OdeStepper::fehlberg78: {
        auto stepper = ode::make_controlled(options.atol, options.rtol, max_dt, ode::runge_kutta_fehlberg78<State>());
        steps = run(stepper, system, x, points.times, dt, recorder, checker);
        break;
      }
    }
    stats.steps = static_cast<long>(steps);
  } catch (const StepLimitReached&) {
    stats.steps = checker.steps() - 1;
    std::ostringstream m;
    m << "stopped: max_steps (" << options.max_steps << ") reached near t = " << last_t << " before t1 = " << t1;
    return finish(false, m.str());
  } catch (const NonFiniteRhs& e) {
    stats.steps = checker.steps();
    std::ostringstream m;
    m << "stopped: the right-hand side is not finite at t = " << e.t;
    return finish(false, m.str());
  } catch (const ode::odeint_error& e) {
    stats.steps = checker.steps();
    std::ostringstream m;
    m << "stopped near t = " << last_t << ": " << e.what();
    return finish(false, m.str());
  }
  if (!x.allFinite()) return finish(false, "state became non-finite");
  return finish(true, "ok");
}

OdeStats integrate_pf_ode(const sde::ScoreModel& score, const sde::VpSchedule& schedule, Eigen::MatrixXd& x,
                          double t_start, double t_end, const OdeOptions& options,
                          std::span<const double> observe_times, std::vector<Eigen::MatrixXd>* observed) {
  if (x.rows() != score.dim())
    throw std::invalid_argument("integrate_pf_ode: state has " + std::to_string(x.rows()) +
                                " rows but the score model's dim is " + std::to_string(score.dim()));
  const sde::PfOdeRhs pf(score, schedule);
  const BatchRhs rhs = [&pf](const Eigen::MatrixXd& s, Eigen::MatrixXd& d, double t) { pf(s, d, t); };
  return solve_batch_ode(rhs, x, t_start, t_end, options, observe_times, observed);
}

}  // namespace memcosim::reference
