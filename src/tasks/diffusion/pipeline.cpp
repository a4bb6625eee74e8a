#include "tasks/diffusion/pipeline.hpp"

#include <stdexcept>
#include <utility>

#include "flow/transistor.hpp"
#include "reference/forced_ode.hpp"
#include "reference/sampler.hpp"
#include "spice/emitter.hpp"
#include "tasks/diffusion/setup.hpp"
#include "util/random.hpp"

namespace memcosim::tasks::diffusion {

using flow::transistor_environment;
using flow::uses_transistor_level;

reference::OdeStats solve_circuit_sde(const SolverCircuit& sc, const reference::BatchRhs& drift,
                                      const sde::BrownianPath& path, std::uint64_t first, Eigen::MatrixXd& x,
                                      const reference::OdeOptions& options, std::span<const double> observe_times,
                                      std::vector<Eigen::MatrixXd>* observed) {
  const auto& corners = sc.diffusion_times;
  if (corners.size() < 2 || sc.diffusion_corners.size() != corners.size())
    throw std::invalid_argument("solve_circuit_sde: the circuit has no diffusion source");
  const Eigen::Index dim = x.rows(), n = x.cols();
  std::vector<Eigen::MatrixXd> y(corners.size(), Eigen::MatrixXd(dim, n));
  for (Eigen::Index i = 0; i < n; ++i) {
    const Eigen::MatrixXd yi =
        diffusion_path(path, sc.schedule, first + static_cast<std::uint64_t>(i), static_cast<int>(dim));
    for (std::size_t j = 0; j < corners.size(); ++j)
      y[j].col(i) = yi.col(static_cast<Eigen::Index>(sc.diffusion_corners[j]));
  }
  const reference::PathSlope slope = [&](std::size_t j, Eigen::MatrixXd& f) {
    f = (y[j + 1] - y[j]) / (corners[j + 1] - corners[j]);
  };
  if (sc.diffusion_rc <= 0)
    return reference::solve_forced_ode(drift, corners, slope, x, options, observe_times, observed);
  // With the source's series resistor the integrators receive y_f, Y
  // low-passed with R C: integrate [x; y_f] with dy_f/dtau = (Y(tau) - y_f) / RC.
  const double rc = sc.diffusion_rc;
  Eigen::MatrixXd state(2 * dim, n);
  state.topRows(dim) = x;
  state.bottomRows(dim).setZero();
  Eigen::MatrixXd f(dim, n), g(dim, n), dx(dim, n);
  std::size_t current = static_cast<std::size_t>(-1);
  const reference::IntervalRhs rhs = [&](std::size_t j, const Eigen::MatrixXd& s, Eigen::MatrixXd& d, double tau) {
    if (j != current) {
      slope(j, f);
      current = j;
    }
    g = (y[j] + f * (tau - corners[j]) - s.bottomRows(dim)) / rc;
    drift(s.topRows(dim), dx, tau);
    d.resize(s.rows(), s.cols());
    d.topRows(dim) = dx + g;
    d.bottomRows(dim) = g;
  };
  std::vector<Eigen::MatrixXd> seen;
  auto st = reference::solve_piecewise_ode(rhs, corners, state, options, observe_times, observed ? &seen : nullptr);
  x = state.topRows(dim);
  if (observed) {
    observed->clear();
    for (const auto& o : seen) observed->push_back(o.size() ? Eigen::MatrixXd(o.topRows(dim)) : Eigen::MatrixXd());
  }
  return st;
}

std::optional<sde::BrownianPath> brownian_path_for(const config::Config& cfg) {
  if (cfg.sampling.method != config::SamplingMethod::sde) return std::nullopt;
  return reference::brownian_path(sampler_options(cfg));
}

SolverCircuit build_circuit(const config::Config& cfg, const nn::LoadedModel& model, bool use_klu,
                            std::uint64_t trajectory, const sde::BrownianPath* brownian) {
  SolverOptions o;
  o.circuit = cfg.circuit;
  o.simulation = cfg.simulation;
  o.t_start = cfg.sampling.t_start;
  o.t_end = cfg.sampling.t_end;
  o.class_index = SamplingScore(cfg, model.net).class_index();
  o.use_klu = use_klu;
  o.seed = cfg.circuit.crossbar.device_seed ? *cfg.circuit.crossbar.device_seed : derive_seed(cfg.seed, "circuit");
  o.title = "memcosim " + cfg.name + " solver circuit";
  if (uses_transistor_level(cfg)) o.transistor = transistor_environment(cfg);
  o.trajectory = trajectory;
  o.brownian = brownian;
  return build_solver(model.net, sampling_schedule(cfg, model.schedule), o, &cfg.locations);
}

std::string solver_netlist(const config::Config& cfg, const nn::LoadedModel& model, std::uint64_t sample, bool use_klu,
                           SolverCircuit* out) {
  const auto path = brownian_path_for(cfg);
  SolverCircuit sc = build_circuit(cfg, model, use_klu, sample, path ? &*path : nullptr);
  const auto x0 = reference::initial_states(sampler_options(cfg), sc.dim, sample, 1);
  sc.set_start(x0.col(0));
  std::string text = spice::emit(sc.circuit);
  if (out) *out = std::move(sc);
  return text;
}

}  // namespace memcosim::tasks::diffusion
