// The batched software reference sampler: n samples of a score model by the
// probability-flow ODE or the reverse SDE, processed in blocks.
//
// Randomness is counter-based (sde/brownian.hpp): sample i starts from
//   x_T[i] = initial_states(sde::initial_state_seed(seed), i, ...)
// and the SDE drives it with sample i of
//   sde::BrownianPath(sde::brownian_seed(seed), uniform_grid(t_start, t_end, sde.steps))
// (brownian_path() below builds exactly that), so a sample's start and path
// do not depend on the block size or on which other samples are drawn, and a
// SPICE run of sample i can be fed the identical path.
//
// Block-size independence: the SDE result is identical for any block size
// as long as the score model treats columns independently (elementwise work
// and GEMMs whose per-column summation order does not depend on the number of
// columns). The PF-ODE shares one adaptive step size across a block, so its
// result depends on the block's composition at the level of the solver
// tolerance, never more.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include "reference/ode_solver.hpp"
#include "sde/brownian.hpp"
#include "sde/schedule.hpp"
#include "sde/score.hpp"
#include "util/error.hpp"

namespace memcosim::reference {

enum class Method { pf_ode, sde };
std::string_view to_string(Method method);
// "pf_ode", "sde"; nullopt otherwise.
std::optional<Method> parse_method(std::string_view name);

struct SdeOptions {
  // Euler–Maruyama steps on a uniform grid from t_start to t_end. >= 1.
  int steps = 1000;
};

struct SamplerOptions {
  Method method = Method::pf_ode;
  long n = 10000;           // samples, >= 0
  std::uint64_t seed = 0;   // master seed (initial states and Brownian paths derive from it)
  double t_start = 1.0;     // > t_end
  double t_end = 1e-4;      // >= 0
  OdeOptions ode;           // used by pf_ode
  SdeOptions sde;           // used by sde
  long block_size = 10000;  // samples integrated together, >= 1 (bounds memory)
  // Times at which to record the whole batch: strictly decreasing, inside
  // [t_end, t_start]. For the SDE each must be a point of the uniform grid
  // (to 1e-9 of the span).
  std::vector<double> observe_times;

  // One diagnostic per violated rule; key paths relative to the sampler
  // section ("n", "ode.rtol", ...), prefixed with `prefix` if not empty.
  std::vector<Diagnostic> check(std::string_view prefix = {}) const;
};

struct SampleStats {
  bool ok = false;
  std::string message;       // "ok", or the first block's failure
  long blocks = 0;           // blocks integrated (stops at the first failure)
  long steps = 0;            // accepted steps, summed over blocks
  long max_block_steps = 0;  // the largest per-block step count
  long rhs_evals = 0;        // batched right-hand-side (PF-ODE) or drift (SDE) evaluations
  double wall_seconds = 0.0;
};

struct SampleResult {
  Eigen::MatrixXd samples;                  // dim x n, column i = sample i at t_end
  std::vector<double> observe_times;        // as requested
  std::vector<Eigen::MatrixXd> trajectory;  // trajectory[j]: dim x n at observe_times[j]
  SampleStats stats;
};

// Draws options.n samples. `schedule` is the sampling schedule (already
// scaled by beta_scale if the study asks for it). Throws InputError for
// invalid options, std::invalid_argument for bad observation times; numerical
// failure is reported in stats (ok = false, message says where), with the
// samples of unfinished blocks left as NaN.
SampleResult sample(const sde::ScoreModel& score, const sde::VpSchedule& schedule, const SamplerOptions& options);

// The Brownian path the SDE sampler uses for these options.
sde::BrownianPath brownian_path(const SamplerOptions& options);
// The initial states the sampler uses for samples first .. first + count - 1.
Eigen::MatrixXd initial_states(const SamplerOptions& options, int dim, std::uint64_t first, Eigen::Index count);

}  // namespace memcosim::reference
