// The `twin:` section of a config (task: twin): neural-ODE digital twins of
// an HP memristor or of Lorenz96 (DESIGN.md §7.1, src/tasks/twin/).
//
// A twin config also uses these top-level keys: seed, model.file (the twin's
// weight file), training.learning_rate / batch_size / weight_decay /
// grad_clip / adam / weight_noise (the optimiser of both training stages) and
// sampling.ode.rtol / atol / dt_initial / max_steps (the Odeint tolerances of
// the ground truth and of the software twin).
#pragma once

#include <cmath>
#include <vector>

#include "config/reflect.hpp"
#include "config/twin_scaling.hpp"
#include "util/limits.hpp"

namespace memcosim::config {

enum class TwinSystem { hp_memristor, lorenz96 };

// a / b is a whole number >= 1 (to rounding).
inline bool is_multiple(double a, double b) {
  const double q = a / b;
  return b > 0 && q >= 1.0 - 1e-9 && std::abs(q - std::round(q)) < 1e-6;
}

template <>
struct EnumNames<TwinSystem> {
  static constexpr std::array<std::pair<TwinSystem, std::string_view>, 2> values{
      {{TwinSystem::hp_memristor, "hp_memristor"}, {TwinSystem::lorenz96, "lorenz96"}}};
};

struct TwinHpConfig {
  double r_on = 100.0;
  double r_off = 16e3;
  double thickness = 10e-9;
  double mobility = 1e-14;
  int window_p = 1;
  double x0 = 0.1;
  double x0_min = 0.05;
  double x0_max = 0.6;
  template <class V>
  void fields(V& v) {
    v("r_on", r_on, "Resistance of the fully doped device, x = 1 (ohm; Strukov 2008: 100).", gt(0));
    v("r_off", r_off, "Resistance of the undoped device, x = 0 (ohm; Strukov 2008: 16e3).", gt(0));
    v("thickness", thickness, "Device thickness D (m; 10e-9).", gt(0));
    v("mobility", mobility, "Dopant mobility mu_v (m^2/(V s); 1e-14). k = mu_v r_on / D^2.", gt(0));
    v("window_p", window_p, "Joglekar window exponent p: f(x) = 1 - (2x - 1)^(2p).", ge(1));
    v("x0", x0, "Initial state of every test run.", gt(0), lt(1));
    v("x0_min", x0_min, "Training records start from x0 ~ U(x0_min, x0_max).", gt(0), lt(1));
    v("x0_max", x0_max, "Upper end of the training initial states.", gt(0), lt(1));
  }
};

struct TwinLorenz96Config {
  int n = 6;
  double forcing = 8.0;
  double transient = 20.0;
  template <class V>
  void fields(V& v) {
    v("n", n, "Number of variables N (cyclic).", ge(4));
    v("forcing", forcing, "Constant forcing F (8: chaotic).");
    v("transient", transient, "Time discarded from each run before it counts as on the attractor.", ge(0));
  }
};

struct TwinMultisineConfig {
  int components = 3;
  double amplitude_min = 0.5;
  double amplitude_max = 1.5;
  double f_min = 0.3;
  double f_max = 2.0;
  template <class V>
  void fields(V& v) {
    v("components", components, "Sines per training drive.", ge(1));
    v("amplitude_min", amplitude_min, "Smallest peak amplitude (V) of a training drive (sum of the components).",
      gt(0));
    v("amplitude_max", amplitude_max, "Largest peak amplitude (V) of a training drive.", gt(0));
    v("f_min", f_min, "Lowest component frequency (Hz).", gt(0));
    v("f_max", f_max, "Highest component frequency (Hz).", gt(0));
  }
};

struct TwinDataConfig {
  int records = 40;
  double duration = 10.0;
  double dt = 0.005;
  template <class V>
  void fields(V& v) {
    v("records", records,
      "Training records: HP one per random multi-sine drive; Lorenz96 one per random start on the attractor.", ge(1));
    v("duration", duration, "Length of each record (s for HP, model time units for Lorenz96).", gt(0));
    v("dt", dt,
      "Sample spacing of the records. Derivatives for stage 1 are 4th-order central differences of these samples "
      "(stencils across a DAC corner are dropped); nothing else of the true system is used.",
      gt(0));
  }
};

struct TwinTestDriveConfig {
  bool enabled = true;
  double frequency = 1.0;
  double frequency_end = 1.0;
  double amplitude = 1.0;
  template <class V>
  void fields(V& v) {
    v("enabled", enabled, "Run this unseen test drive.");
    v("frequency", frequency, "Frequency (Hz); chirp: start frequency.", gt(0));
    v("frequency_end", frequency_end, "Chirp only: frequency at the end of the test (linear sweep).", gt(0));
    v("amplitude", amplitude, "Peak amplitude (V).", gt(0));
  }
};

struct TwinTestConfig {
  TwinTestDriveConfig sine{true, 0.25, 0.25, 1.0};
  TwinTestDriveConfig triangle{true, 0.7, 0.7, 1.2};
  TwinTestDriveConfig square{true, 0.5, 0.5, 0.8};
  TwinTestDriveConfig chirp{true, 0.3, 1.5, 1.0};
  double square_rise = 0.05;
  double duration = 12.0;
  int points = 1201;
  int starts = 50;
  template <class V>
  void fields(V& v) {
    v("sine", sine, "HP test drive: sine (a frequency outside or inside the training band).");
    v("triangle", triangle, "HP test drive: triangle wave.");
    v("square", square, "HP test drive: square wave with smoothed edges (square_rise).");
    v("chirp", chirp, "HP test drive: linear chirp from frequency to frequency_end over the test duration.");
    v("square_rise", square_rise, "Square edges: v = A tanh(sin(2 pi f t) / square_rise) / tanh(1 / square_rise).",
      gt(0));
    v("duration", duration, "Length of each test run (s for HP; model time units for Lorenz96).", gt(0));
    v("points", points, "Points of the common time grid of each test run.", ge(2));
    v("starts", starts, "Lorenz96: test starts on the attractor (never used in training).", ge(1));
  }
};

struct TwinStagesConfig {
  int derivative_epochs = 200;
  int trajectory_steps = 300;
  int window = 10;
  int windows = 64;
  double step = 0.0;
  double trajectory_learning_rate = 3e-4;
  template <class V>
  void fields(V& v) {
    v("derivative_epochs", derivative_epochs,
      "Stage 1: epochs of derivative matching (mean squared error of the network against the finite-difference "
      "derivatives of the records, in units of the output scale).",
      ge(0));
    v("trajectory_steps", trajectory_steps,
      "Stage 2: optimiser steps of trajectory fitting (multiple shooting through unrolled RK4 over short windows "
      "cut from the records); 0 skips the stage.",
      ge(0));
    v("window", window, "Stage 2: RK4 steps per window.", ge(1));
    v("windows", windows, "Stage 2: windows per optimiser step (drawn at random from the records).", ge(1));
    v("step", step, "Stage 2: RK4 step; 0 = the record spacing data.dt (it must be a multiple of it).", ge(0));
    v("trajectory_learning_rate", trajectory_learning_rate, "Stage 2 Adam learning rate.", gt(0));
  }
};

struct TwinMetricsConfig {
  double vpt_threshold = 0.3;
  double lyapunov_time = 200.0;
  double lyapunov_interval = 0.5;
  double lyapunov_delta = 1e-8;
  double stats_horizon = 200.0;
  std::vector<double> lags = {0.1, 0.5, 1.0};
  int histogram_bins = 40;
  template <class V>
  void fields(V& v) {
    v("vpt_threshold", vpt_threshold,
      "Valid prediction time: the first time ||x_twin - x_true|| / sqrt(<||x_true - mean||^2>) exceeds this (the "
      "denominator over a long true trajectory on the attractor).",
      gt(0));
    v("lyapunov_time", lyapunov_time, "Length of the Benettin run that estimates the largest Lyapunov exponent.",
      gt(0));
    v("lyapunov_interval", lyapunov_interval, "Renormalisation interval of the Benettin run.", gt(0));
    v("lyapunov_delta", lyapunov_delta, "Size of the separation renormalised to.", gt(0));
    v("stats_horizon", stats_horizon, "Length of the long runs (after the transient) compared by attractor statistics.",
      gt(0));
    v("lags", lags, "Lags of the autocorrelations compared.", gt(0));
    v("histogram_bins", histogram_bins, "Bins of the per-variable histograms (total-variation distance).", ge(2));
  }
};

struct TwinConfig {
  TwinSystem system = TwinSystem::hp_memristor;
  TwinHpConfig hp;
  TwinLorenz96Config lorenz96;
  double update_period = 0.01;
  TwinMultisineConfig train_drives;
  TwinDataConfig data;
  TwinTestConfig test;
  std::vector<int> hidden = {16, 16};
  TwinStagesConfig stages;
  TwinMetricsConfig metrics;
  TwinScalingConfig scaling;
  double circuit_long_run = 60.0;
  double circuit_long_run_discard = 10.0;
  template <class V>
  void fields(V& v) {
    v("system", system, "The true system: hp_memristor (voltage-driven, Joglekar window) or lorenz96.");
    v("hp", hp, "HP memristor parameters (system: hp_memristor).");
    v("lorenz96", lorenz96, "Lorenz96 parameters (system: lorenz96).");
    v("update_period", update_period,
      "DAC update period of the drive (s): the drive is sampled and held (zero-order hold) for the true system, "
      "the software twin and the circuit alike; 0 = continuous.",
      ge(0));
    v("train_drives", train_drives, "HP training drives: random multi-sines (seeded).");
    v("data", data, "Training records (ground truth from Boost.Odeint, written as CSV by `train`).");
    v("test", test, "Unseen test drives (HP) and test starts (Lorenz96).");
    v("hidden", hidden, "Hidden-layer widths of the twin network (ReLU); the circuit cost grows with their squares.",
      ge(1), le(limits::kMaxWidth));
    v("stages", stages, "The two training stages (optimiser constants from training.*).");
    v("metrics", metrics, "Metrics of the software (and circuit) evaluation.");
    v("scaling", scaling, "Volts per unit of the twin circuit's signals (`memcosim run`, `netlist`, `stability`).");
    v("circuit_long_run", circuit_long_run,
      "Lorenz96: length (model time) of the one long circuit run whose per-variable mean and variance `run` "
      "compares with the true system's.",
      gt(0));
    v("circuit_long_run_discard", circuit_long_run_discard,
      "Lorenz96: time discarded from the start of the long run before its statistics.", ge(0));
  }
  void validate(Checker& c) const {
    const auto num = [](double x) { return exact_number(x); };
    const bool hp_system = system == TwinSystem::hp_memristor;
    const double step = stages.step > 0 ? stages.step : data.dt;
    c.rule("hidden", "hidden has at least one layer", !hidden.empty(), "needs at least one hidden layer");
    c.rule("stages.step", "stages.step is 0 or a multiple of data.dt",
           stages.step == 0 || is_multiple(stages.step, data.dt),
           "must be 0 or a multiple of " + c.path("data.dt") + " " + num(data.dt) + " (got " + num(stages.step) + ")");
    c.rule("data.duration", "data.duration > stages.window x the stage-2 step (stages.step, else data.dt)",
           data.duration > stages.window * step,
           "must be longer than one stage-2 window (" + c.path("stages.window") +
               " x step = " + num(stages.window * step) + ")");
    // HP memristor.
    c.rule("hp.r_off", "with system hp_memristor: hp.r_off > hp.r_on", !hp_system || hp.r_off > hp.r_on,
           "must be > " + c.path("hp.r_on") + " (got " + num(hp.r_off) + " <= " + num(hp.r_on) + ")");
    c.rule("hp.x0_max", "with system hp_memristor: hp.x0_max > hp.x0_min", !hp_system || hp.x0_max > hp.x0_min,
           "must be > " + c.path("hp.x0_min") + " (got " + num(hp.x0_max) + " <= " + num(hp.x0_min) + ")");
    c.rule("train_drives.amplitude_max", "with system hp_memristor: train_drives.amplitude_max >= amplitude_min",
           !hp_system || train_drives.amplitude_max >= train_drives.amplitude_min,
           "must be >= " + c.path("train_drives.amplitude_min"));
    c.rule("train_drives.f_max", "with system hp_memristor: train_drives.f_max >= f_min",
           !hp_system || train_drives.f_max >= train_drives.f_min, "must be >= " + c.path("train_drives.f_min"));
    // The finite-difference stencil spans 4 dt and must fit inside one hold interval.
    c.rule("data.dt", "with system hp_memristor: update_period is 0 or a multiple of data.dt, at least 5 x data.dt",
           !hp_system || update_period == 0 || (is_multiple(update_period, data.dt) && update_period >= 5 * data.dt),
           "must divide " + c.path("update_period") + " " + num(update_period) + " at least 5 times (got " +
               num(data.dt) + ")");
    c.rule("stages.step", "with system hp_memristor: update_period is 0 or a multiple of the stage-2 step",
           !hp_system || update_period == 0 || is_multiple(update_period, step),
           "the stage-2 RK4 step " + num(step) + " must divide " + c.path("update_period") + " " + num(update_period) +
               " (the held drive then changes only between steps)");
    c.rule("test", "with system hp_memristor: at least one test drive is enabled",
           !hp_system || test.sine.enabled || test.triangle.enabled || test.square.enabled || test.chirp.enabled,
           "enable at least one test drive");
    // Lorenz96.
    c.rule("metrics.lyapunov_interval", "with system lorenz96: metrics.lyapunov_interval <= metrics.lyapunov_time",
           hp_system || metrics.lyapunov_interval <= metrics.lyapunov_time,
           "must be <= " + c.path("metrics.lyapunov_time"));
    c.rule_each(
        "metrics.lags", "with system lorenz96: every metrics.lags < metrics.stats_horizon", metrics.lags,
        [&](double lag) { return hp_system || lag < metrics.stats_horizon; },
        [&](double) { return "must be shorter than " + c.path("metrics.stats_horizon"); });
    c.rule("circuit_long_run_discard", "with system lorenz96: circuit_long_run_discard < circuit_long_run",
           hp_system || circuit_long_run_discard < circuit_long_run,
           "must be shorter than " + c.path("circuit_long_run") + " " + num(circuit_long_run) + " (got " +
               num(circuit_long_run_discard) + ")");
  }
};

}  // namespace memcosim::config
