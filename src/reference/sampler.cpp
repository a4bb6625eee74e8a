#include "reference/sampler.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "reference/sde_solver.hpp"

namespace memcosim::reference {

std::string_view to_string(Method method) {
  switch (method) {
    case Method::pf_ode:
      return "pf_ode";
    case Method::sde:
      return "sde";
  }
  return "?";
}

std::optional<Method> parse_method(std::string_view name) {
  for (Method m : {Method::pf_ode, Method::sde})
    if (name == to_string(m)) return m;
  return std::nullopt;
}

std::vector<Diagnostic> SamplerOptions::check(std::string_view prefix) const {
  std::vector<Diagnostic> out;
  const std::string p = prefix.empty() ? std::string() : std::string(prefix) + ".";
  auto num = [](double v) {
    std::ostringstream s;
    s << v;
    return s.str();
  };
  auto bad = [&](const std::string& key, const std::string& msg) {
    Diagnostic d;  // (not aggregate-initialised: g++ 12 warns falsely about SourceLocation)
    d.key_path = p + key;
    d.message = msg;
    out.push_back(std::move(d));
  };
  if (n < 0) bad("n", "must be >= 0 (got " + std::to_string(n) + ")");
  if (block_size < 1) bad("block_size", "must be >= 1 (got " + std::to_string(block_size) + ")");
  if (!(t_end >= 0.0) || !std::isfinite(t_end)) bad("t_end", "must be >= 0 (got " + num(t_end) + ")");
  if (!std::isfinite(t_start) || !(t_start > t_end))
    bad("t_start", "must be > t_end (got " + num(t_start) + " <= " + num(t_end) + ")");
  if (method == Method::pf_ode) {
    for (auto& d : ode.check(p + "ode")) out.push_back(std::move(d));
  } else if (sde.steps < 1) {
    bad("sde.steps", "must be >= 1 (got " + std::to_string(sde.steps) + ")");
  }
  for (std::size_t j = 0; j < observe_times.size(); ++j) {
    const double t = observe_times[j];
    if (!std::isfinite(t) || t > t_start || t < t_end)
      bad("observe_times[" + std::to_string(j) + "]",
          "must be inside [t_end, t_start] = [" + num(t_end) + ", " + num(t_start) + "] (got " + num(t) + ")");
    else if (j > 0 && !(t < observe_times[j - 1]))
      bad("observe_times[" + std::to_string(j) + "]",
          "must be strictly decreasing (got " + num(t) + " after " + num(observe_times[j - 1]) + ")");
  }
  return out;
}

sde::BrownianPath brownian_path(const SamplerOptions& options) {
  return sde::BrownianPath(sde::brownian_seed(options.seed),
                           sde::uniform_grid(options.t_start, options.t_end, options.sde.steps));
}

Eigen::MatrixXd initial_states(const SamplerOptions& options, int dim, std::uint64_t first, Eigen::Index count) {
  return sde::initial_states(sde::initial_state_seed(options.seed), first, dim, count);
}

SampleResult sample(const sde::ScoreModel& score, const sde::VpSchedule& schedule, const SamplerOptions& options) {
  if (auto diags = options.check(); !diags.empty()) throw InputError(std::move(diags));
  const auto started = std::chrono::steady_clock::now();
  const int dim = score.dim();
  const Eigen::Index n = options.n;
  const std::size_t n_obs = options.observe_times.size();

  SampleResult result;
  result.observe_times = options.observe_times;
  result.samples.setConstant(dim, n, std::numeric_limits<double>::quiet_NaN());
  result.trajectory.assign(n_obs, result.samples);

  std::optional<sde::BrownianPath> path;
  if (options.method == Method::sde) path.emplace(brownian_path(options));

  SampleStats& stats = result.stats;
  stats.ok = true;
  stats.message = "ok";
  std::vector<Eigen::MatrixXd> observed;
  for (Eigen::Index first = 0; first < n; first += options.block_size) {
    const Eigen::Index count = std::min<Eigen::Index>(options.block_size, n - first);
    const auto first_u = static_cast<std::uint64_t>(first);
    Eigen::MatrixXd x = initial_states(options, dim, first_u, count);
    bool ok = false;
    std::string message;
    long steps = 0;
    if (options.method == Method::pf_ode) {
      const OdeStats s = integrate_pf_ode(score, schedule, x, options.t_start, options.t_end, options.ode,
                                          options.observe_times, &observed);
      ok = s.ok;
      message = s.message;
      steps = s.steps;
      stats.rhs_evals += s.rhs_evals;
    } else {
      const SdeStats s =
          integrate_reverse_sde(score, schedule, x, *path, first_u, {}, options.observe_times, &observed);
      ok = s.ok;
      message = s.message;
      steps = s.steps;
      stats.rhs_evals += s.drift_evals;
    }
    ++stats.blocks;
    stats.steps += steps;
    stats.max_block_steps = std::max(stats.max_block_steps, steps);
    if (!ok) {
      stats.ok = false;
      std::ostringstream m;
      m << "block of samples " << first << ".." << first + count - 1 << ": " << message;
      stats.message = m.str();
      break;
    }
    result.samples.middleCols(first, count) = x;
    for (std::size_t j = 0; j < n_obs; ++j) result.trajectory[j].middleCols(first, count) = observed[j];
  }
  stats.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace memcosim::reference
