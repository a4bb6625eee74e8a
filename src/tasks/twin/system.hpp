// The true systems the digital twins learn (DESIGN.md §7.1), their drives,
// and their ground truth with Boost.Odeint.
//
// HP memristor (Strukov et al., Nature 453, 80 (2008): linear ion drift;
// Joglekar & Wolf, Eur. J. Phys. 30, 661 (2009): window function), driven
// by a voltage v(t):
//   R(x)  = R_on x + R_off (1 - x)            resistance, state x in [0, 1]
//   i     = v / R(x)                          the current the user sees
//   dx/dt = k i f(x),   k = mu_v R_on / D^2,   f(x) = 1 - (2x - 1)^(2p)
// Default values (HpParams): R_on = 100 ohm, R_off = 16 kohm, D = 10 nm,
// mu_v = 1e-14 m^2/(V s) (Strukov 2008, Fig. 2), so k = 1e4 /(A s), and
// p = 1 (Joglekar: f(x) = 4 x (1 - x)). Time is in seconds: with drives of
// about 0.5-1.5 V at 0.5-2 Hz the state swings over a good part of [0, 1]
// without reaching the bounds (the window makes 0 and 1 fixed points).
//
// Lorenz96 (Lorenz 1996): dx_i/dt = (x_{i+1} - x_{i-2}) x_{i-1} - x_i + F,
// i cyclic mod N; N = 6, F = 8 by default (chaotic). Autonomous.
//
// Drives are applied as a DAC applies them: the waveform is sampled every
// update_period and held (zero-order hold); update_period = 0 means the
// continuous waveform. The true system, the software twin and the circuit's
// DAC source all see the same held waveform.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "reference/ode_solver.hpp"
#include "util/random.hpp"

namespace memcosim::tasks::twin {

// ---------------------------------------------------------------------------
// Systems

struct HpParams {
  double r_on = 100.0;  // ohm, > 0
  double r_off = 16e3;  // ohm, > r_on
  double d = 10e-9;     // device thickness (m), > 0
  double mu_v = 1e-14;  // dopant mobility (m^2 / (V s)), > 0
  int p = 1;            // Joglekar window exponent, >= 1

  double k() const { return mu_v * r_on / (d * d); }
  double resistance(double x) const { return r_on * x + r_off * (1.0 - x); }
  double window(double x) const;  // f(x) = 1 - (2x - 1)^(2p)
  double current(double x, double v) const { return v / resistance(x); }
  // dx/dt under a voltage drive v.
  double rate(double x, double v) const { return k() * current(x, v) * window(x); }
  // dx/dt under a current drive i (used to check the ground truth against
  // the closed form; for p = 1 and constant i: logistic, see hp_logistic).
  double rate_current(double x, double i) const { return k() * i * window(x); }
};

// Closed form of dx/dt = 4 k i x (1 - x) (p = 1, constant current i):
// x(t) = 1 / (1 + (1/x0 - 1) exp(-4 k i t)). Independent of the integrator.
double hp_logistic(const HpParams& hp, double x0, double i, double t);

struct Lorenz96Params {
  int n = 6;             // >= 4
  double forcing = 8.0;  // F
};

enum class SystemKind { hp_memristor, lorenz96 };

// One of the systems, as a batched vector field dx/dt = f(x, u).
struct System {
  SystemKind kind = SystemKind::hp_memristor;
  HpParams hp;
  Lorenz96Params lorenz96;

  int dim() const;        // 1 (HP: x) or lorenz96.n
  int input_dim() const;  // 1 (HP: v) or 0 (autonomous)
  // x: dim x N, u: input_dim x N (ignored, may be empty, when input_dim() == 0),
  // dxdt: dim x N (resized).
  void rhs(const Eigen::Ref<const Eigen::MatrixXd>& x, const Eigen::Ref<const Eigen::MatrixXd>& u,
           Eigen::MatrixXd& dxdt) const;
  // What the user sees: HP the current i = v / R(x) (1 x N); Lorenz96 the state.
  Eigen::MatrixXd readout(const Eigen::Ref<const Eigen::MatrixXd>& x, const Eigen::Ref<const Eigen::MatrixXd>& u) const;
  std::string describe() const;
};

// ---------------------------------------------------------------------------
// Drives v(t)

enum class DriveKind { multisine, sine, triangle, square, chirp };

struct Drive {
  DriveKind kind = DriveKind::sine;
  double amplitude = 1.0;      // peak (V); multisine: the sum of the component amplitudes
  double frequency = 1.0;      // Hz; chirp: the start frequency
  double frequency_end = 1.0;  // chirp: the frequency at t = duration (linear sweep)
  double duration = 1.0;       // chirp: sweep length (s)
  double phase = 0.0;          // rad (sine, triangle, square: of the fundamental)
  double rise = 0.0;           // square: edges smoothed as tanh(sin / rise); 0 = hard edges
  // multisine: v(t) = sum_c a_c sin(2 pi f_c t + phi_c)
  std::vector<double> amplitudes, frequencies, phases;

  double value(double t) const;  // the continuous waveform
  std::string describe() const;  // e.g. "triangle 0.8 Hz 1.2 V"
};

// The training family: `components` sines with frequencies uniform in
// [f_min, f_max], phases uniform in [0, 2 pi), weights uniform in [0.2, 1]
// normalised to sum 1 and scaled by a peak amplitude uniform in
// [amplitude_min, amplitude_max].
struct MultisineFamily {
  int components = 3;
  double amplitude_min = 0.5, amplitude_max = 1.5;
  double f_min = 0.3, f_max = 2.0;
  Drive draw(Rng& rng) const;
};

// The waveform a DAC produces from `drive`: v(floor(t / T) T) for T =
// update_period > 0, v(t) for T = 0.
double held_value(const Drive& drive, double update_period, double t);
// The corners of the held waveform in [0, duration]: 0, T, 2T, ..., duration
// (just {0, duration} for T = 0).
std::vector<double> hold_corners(double update_period, double duration);

// ---------------------------------------------------------------------------
// Integration of any vector field on held drives (reference::solve_piecewise_ode)

// dx/dt = f(x, u): x dim x N, u input_dim x N, dxdt dim x N (resized).
using Field = std::function<void(const Eigen::MatrixXd& x, const Eigen::MatrixXd& u, Eigen::MatrixXd& dxdt)>;

// N cases on the time grid `times` (increasing, times[0] = 0 is the start).
struct Trajectories {
  std::vector<double> t;
  std::vector<Eigen::MatrixXd> x;  // x[j]: dim x N at t[j]
  std::vector<Eigen::MatrixXd> u;  // u[j]: input_dim x N, the held drive at t[j] (empty when autonomous)
  reference::OdeStats stats;
};

// Integrates N = x0.cols() cases from t = 0 to times.back(): column c is
// driven by drives[c] (drives must be empty for input_dim == 0, else have N
// entries), held with update_period (the stepper restarts at every corner).
// Deterministic. Throws std::invalid_argument for inconsistent sizes.
Trajectories integrate(const Field& field, int input_dim, const std::vector<Drive>& drives, double update_period,
                       const Eigen::MatrixXd& x0, std::span<const double> times, const reference::OdeOptions& options);

// `count` states on the attractor of an autonomous system: a run from
// F + N(0, 1) per variable (seeded) sampled at transient + k spacing
// (dim x count). Throws SimulationError if the integration fails.
Eigen::MatrixXd attractor_starts(const System& system, std::uint64_t seed, int count, double transient, double spacing,
                                 const reference::OdeOptions& ode);

// The true system as a Field.
Field system_field(const System& system);

}  // namespace memcosim::tasks::twin
