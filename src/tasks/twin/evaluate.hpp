// The digital twin as software: the trained network f integrated with
// Boost.Odeint on the same held drive as the true system, and its
// evaluation against the true system on unseen drives (HP) or unseen
// starts on the attractor (Lorenz96).
//
// The twin learns the state dynamics dx/dt = f(x, u) (HP: x in [0, 1],
// u = v; Lorenz96: f(x)). The HP readout is not learned: the current the
// user sees is i = v / R(x) with the device's known resistance law
// R(x) = R_on x + R_off (1 - x), applied to the twin's state.
#pragma once

#include <string>
#include <vector>

#include <Eigen/Core>

#include "config/config.hpp"
#include "nn/mlp.hpp"
#include "tasks/twin/metrics.hpp"
#include "tasks/twin/system.hpp"

namespace memcosim::tasks::twin {

// The system a config describes (twin.system, twin.hp, twin.lorenz96).
System system_from_config(const config::Config& cfg);
// The Odeint options of a config (sampling.ode).
reference::OdeOptions ode_options(const config::Config& cfg);
// The enabled HP test drives of twin.test, in the order sine, triangle,
// square, chirp (chirp duration = twin.test.duration).
std::vector<Drive> test_drives(const config::Config& cfg);
// Lorenz96 test starts: test.starts states on the attractor, from a run of
// the true system seeded by derive_seed(seed, "twin-test-starts") and
// separated by far more than a Lyapunov time (dim x starts).
Eigen::MatrixXd test_starts(const config::Config& cfg);

// The twin's vector field: x (dim x N) and u (input_dim x N) stacked as the
// network input [x; u]; dxdt = net([x; u]).
Field twin_field(const nn::Mlp& net, int dim);

// A long trajectory of an autonomous `field` from x0 (dim x 1): transient
// discarded, then horizon sampled every dt (dim x T). A failed solve is a
// SimulationError naming `what` and the sampling.ode keys.
Eigen::MatrixXd long_run(const Field& field, const Eigen::VectorXd& x0, double transient, double horizon, double dt,
                         const reference::OdeOptions& ode, const std::string& what);

// One test case, true and twin on a common time grid.
struct CaseResult {
  std::string label;       // "triangle 0.7 Hz 1.2 V", "start 12"
  std::vector<double> t;   // the grid, t[0] = 0
  Eigen::MatrixXd u;       // input_dim x T: the held drive at t (0 x T when autonomous)
  Eigen::MatrixXd x_true;  // dim x T
  Eigen::MatrixXd x_twin;  // dim x T
  Eigen::MatrixXd y_true;  // readout x T: HP current (A), Lorenz96 the state
  Eigen::MatrixXd y_twin;
  double state_max_error = 0;  // max over t and components of |x_twin - x_true|
  double current_nrmse = -1;   // HP: nrmse(y_twin, y_true) (metrics.hpp); -1 otherwise
  double vpt = -1;             // Lorenz96: valid prediction time in Lyapunov times; -1 otherwise
};

struct SoftwareEvaluation {
  config::TwinSystem system = config::TwinSystem::hp_memristor;
  std::vector<CaseResult> cases;
  // HP
  double max_current_nrmse = -1;
  // Lorenz96
  double lyapunov_exponent = 0;           // largest, of the true system (1 / time unit)
  double attractor_scale = 0;             // sqrt(<||x - mean||^2>) of the true attractor
  double median_vpt = -1;                 // Lyapunov times
  AttractorStats true_stats, twin_stats;  // long runs of stats_horizon after the transient
  double seconds = 0;                     // wall-clock time of the evaluation
};

// Runs every test case of the config with the true system and the software
// twin. Throws std::runtime_error if an integration fails.
SoftwareEvaluation evaluate_software(const config::Config& cfg, const nn::Mlp& net);

// A console table of the evaluation (one line per case and the summary).
std::string format_evaluation(const SoftwareEvaluation& eval);

}  // namespace memcosim::tasks::twin
