// The diffusion task's circuit from a config: the solver circuit (circuit.hpp)
// for the config's model and schedule, the netlist `memcosim netlist`
// writes, and the circuit-equivalent reverse-SDE reference over its
// diffusion corners.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "config/config.hpp"
#include "nn/weights.hpp"
#include "reference/ode_solver.hpp"
#include "sde/brownian.hpp"
#include "tasks/diffusion/circuit.hpp"

namespace memcosim::tasks::diffusion {

// The solver circuit for this config and model (the one `run` simulates and
// `netlist` writes), with ".options klu" when use_klu. trajectory selects
// the read noise and, for the reverse SDE (brownian = the sampler's path, see
// brownian_path_for()), the Brownian increments written into the netlist.
SolverCircuit build_circuit(const config::Config& cfg, const nn::LoadedModel& model, bool use_klu,
                            std::uint64_t trajectory = 0, const sde::BrownianPath* brownian = nullptr);

// The circuit-equivalent reverse-SDE reference: integrates x (dim x n, the
// trajectories first .. first + n - 1) over the circuit's diffusion corners
// (sc.diffusion_times / diffusion_corners, as every trajectory's netlist
// has them), drift plus the constant slope of the same piecewise-linear path
// Y between corners, with the adaptive stepper restarted at each corner.
reference::OdeStats solve_circuit_sde(const SolverCircuit& sc, const reference::BatchRhs& drift,
                                      const sde::BrownianPath& path, std::uint64_t first, Eigen::MatrixXd& x,
                                      const reference::OdeOptions& options, std::span<const double> observe_times = {},
                                      std::vector<Eigen::MatrixXd>* observed = nullptr);

// The Brownian path of the reverse-SDE sampler (sampling.method = sde), the
// one the software sampler and the circuit share; nullopt for the PF-ODE.
std::optional<sde::BrownianPath> brownian_path_for(const config::Config& cfg);

// The netlist `memcosim netlist` writes: the solver circuit with the .ic of
// trajectory `sample`'s start x_T (the circuit is returned through `out`
// when given).
std::string solver_netlist(const config::Config& cfg, const nn::LoadedModel& model, std::uint64_t sample, bool use_klu,
                           SolverCircuit* out = nullptr);

}  // namespace memcosim::tasks::diffusion
