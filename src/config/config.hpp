// The memcosim config: typed structs with documented defaults.
//
// Every key is listed once, in a fields() function, with its documentation
// and its rules; the YAML reader, the normalised printer (`memcosim check`)
// and the key reference in configs/README.md are all generated from that
// list, so they cannot drift apart. Defaults reproduce the published ring
// experiment (DESIGN.md §2).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "config/field.hpp"
#include "config/prime.hpp"
#include "config/reflect.hpp"
#include "config/transistor.hpp"
#include "config/twin.hpp"
#include "util/limits.hpp"

namespace memcosim::config {

enum class DatasetKind { ring, letters };
enum class SamplingMethod { pf_ode, sde };
enum class OdeStepper { dopri5, cash_karp54, fehlberg78 };
enum class Level { ideal, behavioral, transistor };
enum class ScheduleForm { time_warp, variable_gain };
enum class Execution { worker, in_process };
enum class LinearSolver { automatic, klu, sparse };
enum class Integration { trap, gear };
enum class LrSchedule { constant, cosine };
enum class ReferenceModel { network, circuit };
enum class Task { diffusion, twin, prime, field };
enum class RowDriver { direct, replica };

template <>
struct EnumNames<DatasetKind> {
  static constexpr std::array<std::pair<DatasetKind, std::string_view>, 2> values{
      {{DatasetKind::ring, "ring"}, {DatasetKind::letters, "letters"}}};
};
template <>
struct EnumNames<SamplingMethod> {
  static constexpr std::array<std::pair<SamplingMethod, std::string_view>, 2> values{
      {{SamplingMethod::pf_ode, "pf_ode"}, {SamplingMethod::sde, "sde"}}};
};
template <>
struct EnumNames<OdeStepper> {
  static constexpr std::array<std::pair<OdeStepper, std::string_view>, 3> values{
      {{OdeStepper::dopri5, "dopri5"},
       {OdeStepper::cash_karp54, "cash_karp54"},
       {OdeStepper::fehlberg78, "fehlberg78"}}};
};

template <>
struct EnumNames<Level> {
  static constexpr std::array<std::pair<Level, std::string_view>, 3> values{
      {{Level::ideal, "ideal"}, {Level::behavioral, "behavioral"}, {Level::transistor, "transistor"}}};
};
template <>
struct EnumNames<ScheduleForm> {
  static constexpr std::array<std::pair<ScheduleForm, std::string_view>, 2> values{
      {{ScheduleForm::time_warp, "time_warp"}, {ScheduleForm::variable_gain, "variable_gain"}}};
};
template <>
struct EnumNames<Execution> {
  static constexpr std::array<std::pair<Execution, std::string_view>, 2> values{
      {{Execution::worker, "worker"}, {Execution::in_process, "in_process"}}};
};
template <>
struct EnumNames<LinearSolver> {
  static constexpr std::array<std::pair<LinearSolver, std::string_view>, 3> values{
      {{LinearSolver::automatic, "auto"}, {LinearSolver::klu, "klu"}, {LinearSolver::sparse, "sparse"}}};
};
template <>
struct EnumNames<LrSchedule> {
  static constexpr std::array<std::pair<LrSchedule, std::string_view>, 2> values{
      {{LrSchedule::constant, "constant"}, {LrSchedule::cosine, "cosine"}}};
};
template <>
struct EnumNames<ReferenceModel> {
  static constexpr std::array<std::pair<ReferenceModel, std::string_view>, 2> values{
      {{ReferenceModel::network, "network"}, {ReferenceModel::circuit, "circuit"}}};
};
template <>
struct EnumNames<Task> {
  static constexpr std::array<std::pair<Task, std::string_view>, 4> values{
      {{Task::diffusion, "diffusion"}, {Task::twin, "twin"}, {Task::prime, "prime"}, {Task::field, "field"}}};
};
template <>
struct EnumNames<RowDriver> {
  static constexpr std::array<std::pair<RowDriver, std::string_view>, 2> values{
      {{RowDriver::direct, "direct"}, {RowDriver::replica, "replica"}}};
};
template <>
struct EnumNames<Integration> {
  static constexpr std::array<std::pair<Integration, std::string_view>, 2> values{
      {{Integration::trap, "trap"}, {Integration::gear, "gear"}}};
};

struct RingConfig {
  double radius_mean = 0.7;
  double radius_std = 0.04;
  template <class V>
  void fields(V& v) {
    v("radius_mean", radius_mean, "Mean ring radius.", gt(0));
    v("radius_std", radius_std, "Standard deviation of the radius (Gaussian).", ge(0));
  }
};

struct LettersConfig {
  std::string text = "HKU";
  double height = 1.6;
  double jitter = 0.04;
  template <class V>
  void fields(V& v) {
    v("text", text,
      "The letters, one class each in this order (class 0 = first letter); each of H, K, U, L, T, X at most once.");
    v("height", height, "Letter height; the width is 0.75 x height; every letter is centred on the origin.", gt(0));
    v("jitter", jitter, "Standard deviation of the isotropic Gaussian jitter around the strokes.", ge(0));
  }
};

struct DatasetConfig {
  DatasetKind kind = DatasetKind::ring;
  int n = 10000;
  RingConfig ring;
  LettersConfig letters;
  template <class V>
  void fields(V& v) {
    v("kind", kind,
      "Target distribution. ring: radius ~ N(radius_mean, radius_std^2), uniform angle. letters: capital letters "
      "as point clouds (strokes with jitter), one class per letter (for conditional models).");
    v("n", n, "Number of training points drawn from the data set.", ge(1), le(limits::kMaxSamples));
    v("ring", ring, "Parameters of the ring data set.");
    v("letters", letters, "Parameters of the letters data set.");
  }
  void validate(Checker& c) const {
    bool distinct = !letters.text.empty();
    for (std::size_t i = 0; i < letters.text.size(); ++i)
      distinct = distinct && std::string_view("HKULTX").find(letters.text[i]) != std::string_view::npos &&
                 letters.text.find(letters.text[i]) == i;
    c.rule("letters.text", "with kind letters: letters.text is distinct letters from H, K, U, L, T, X",
           kind != DatasetKind::letters || distinct,
           "must be distinct letters from H, K, U, L, T, X (got '" + letters.text + "')");
  }
};

struct ModelConfig {
  std::string file = "../models/ring_score.yaml";
  std::vector<int> hidden = {14, 14};
  double output_gain = 5.0;
  double embedding_scale = 1.0;
  int classes = 0;
  template <class V>
  void fields(V& v) {
    v("file", file,
      "Weight file, relative to this config file. `train` writes it; `sample` and `run` read it (its "
      "architecture and schedule then take precedence over the keys below).");
    v("hidden", hidden,
      "Widths of the hidden layers. Each must be even: a layer of width h adds the time embedding's "
      "first h/2 sine and h/2 cosine features to its pre-activation.",
      ge(2), le(limits::kMaxWidth));
    v("output_gain", output_gain, "Constant gain on the network output (5 in the published code).", gt(0));
    v("embedding_scale", embedding_scale, "Standard deviation of the random Fourier frequencies w_k ~ N(0, scale^2).",
      gt(0));
    v("classes", classes, "Number of classes of a conditional model; 0 for an unconditional one.", ge(0),
      le(limits::kMaxClasses));
  }
  void validate(Checker& c) const {
    c.rule("hidden", "hidden has at least one layer", !hidden.empty(), "needs at least one hidden layer");
    c.rule_each(
        "hidden", "every hidden width is even (h/2 sine and h/2 cosine time features)", hidden,
        [](int h) { return h % 2 == 0; },
        [](int h) {
          return "must be even (got " + std::to_string(h) +
                 "): the time embedding adds h/2 sine and h/2 cosine features";
        });
  }
};

struct ScheduleConfig {
  double beta_min = 0.001;
  double beta_max = 0.5;
  template <class V>
  void fields(V& v) {
    v("beta_min", beta_min, "beta(0) of the linear VP schedule used in training.", gt(0));
    v("beta_max", beta_max, "beta(1) of the linear VP schedule used in training.", gt(0));
  }
  void validate(Checker& c) const {
    c.rule(
        "beta_max", "beta_max > beta_min", beta_max > beta_min,
        "must be > " + c.path("beta_min") + " (got " + exact_number(beta_max) + " <= " + exact_number(beta_min) + ")");
  }
};

struct AdamConfig {
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  template <class V>
  void fields(V& v) {
    v("beta1", beta1, "Adam first-moment decay.", ge(0), lt(1));
    v("beta2", beta2, "Adam second-moment decay.", ge(0), lt(1));
    v("eps", eps, "Adam denominator offset.", gt(0));
  }
};

struct WeightNoiseConfig {
  bool enabled = true;
  double sigma = 0.1;
  double clip = 0.2;
  template <class V>
  void fields(V& v) {
    v("enabled", enabled, "Hardware-aware training: multiply every weight and bias by (1 + eta) in each forward pass.");
    v("sigma", sigma, "Standard deviation of eta.", ge(0));
    v("clip", clip, "|eta| is kept below clip; draws beyond it are replaced by a uniform draw in (-clip, clip).",
      gt(0));
  }
};

struct PenaltyConfig {
  double threshold = 1.5;
  double weight = 1e-7;
  template <class V>
  void fields(V& v) {
    v("threshold", threshold, "Hidden activations above this value are penalised (keeps node voltages in range).",
      gt(0));
    v("weight", weight, "Penalty weight on the sum of activations above the threshold.", ge(0));
  }
};

struct TrainingConfig {
  int epochs = 10000;
  int batch_size = 512;
  double learning_rate = 2e-4;
  LrSchedule lr_schedule = LrSchedule::constant;
  double learning_rate_final = 0.0;
  double weight_decay = 3e-5;
  double grad_clip = 0.1;
  double ema_decay = 0.999;
  double t_min = 1e-5;
  double class_dropout = 0.1;
  AdamConfig adam;
  WeightNoiseConfig weight_noise;
  PenaltyConfig activation_penalty;
  template <class V>
  void fields(V& v) {
    v("epochs", epochs, "Passes over the training set.", ge(1));
    v("batch_size", batch_size, "Minibatch size.", ge(1), le(limits::kMaxSamples));
    v("learning_rate", learning_rate, "Adam learning rate (the initial one with a cosine schedule).", gt(0));
    v("lr_schedule", lr_schedule,
      "constant, or cosine: decay from learning_rate to learning_rate_final over all optimiser steps.");
    v("learning_rate_final", learning_rate_final, "Final learning rate of the cosine schedule.", ge(0));
    v("weight_decay", weight_decay, "L2 weight decay added to the gradient (PyTorch Adam convention).", ge(0));
    v("grad_clip", grad_clip, "Clip the global gradient norm to this value; 0 disables.", ge(0));
    v("ema_decay", ema_decay,
      "Decay of the exponential moving average of the weights; the average is saved. 0 disables.", ge(0), lt(1));
    v("t_min", t_min, "Smallest diffusion time drawn in training, t ~ U(t_min, 1).", gt(0), lt(1));
    v("class_dropout", class_dropout, "Probability of masking the class label (conditional models).", ge(0), le(1));
    v("adam", adam, "Adam optimiser constants.");
    v("weight_noise", weight_noise, "Multiplicative weight noise during training.");
    v("activation_penalty", activation_penalty, "Activation-range penalty on the hidden layers.");
  }
  void validate(Checker& c) const {
    c.rule("learning_rate_final", "learning_rate_final <= learning_rate", learning_rate_final <= learning_rate,
           "must be <= " + c.path("learning_rate") + " (got " + exact_number(learning_rate_final) + " > " +
               exact_number(learning_rate) + ")");
  }
};

struct OdeConfig {
  OdeStepper stepper = OdeStepper::dopri5;
  double rtol = 1e-6;
  double atol = 1e-6;
  double dt_initial = 1e-3;
  int max_steps = 100000;
  template <class V>
  void fields(V& v) {
    v("stepper", stepper,
      "Adaptive Runge-Kutta pair (Boost.Odeint): dopri5 (Dormand-Prince 5(4), dense output), cash_karp54, "
      "fehlberg78 (Fehlberg 7(8)). All samples of a batch share one step size, so a sample's result depends on its "
      "batch at the level of the tolerances.");
    v("rtol", rtol, "Relative tolerance of the step-size control.", gt(0));
    v("atol", atol, "Absolute tolerance of the step-size control.", gt(0));
    v("dt_initial", dt_initial, "First trial step (diffusion-time units).", gt(0));
    v("max_steps", max_steps, "Give up (with an error) after this many steps.", ge(1));
  }
};

struct SdeSamplerConfig {
  int steps = 1000;
  template <class V>
  void fields(V& v) {
    v("steps", steps, "Euler-Maruyama steps from t_start to t_end (uniform in t).", ge(1));
  }
};

struct SamplingConfig {
  SamplingMethod method = SamplingMethod::pf_ode;
  int n = 10000;
  double beta_scale = 2.0;
  double t_start = 1.0;
  double t_end = 1e-4;
  int batch = 10000;
  std::optional<std::uint64_t> seed;
  std::optional<int> class_index;
  bool all_classes = false;
  OdeConfig ode;
  SdeSamplerConfig sde;
  template <class V>
  void fields(V& v) {
    v("method", method,
      "pf_ode: probability-flow ODE; sde: reverse-time SDE (in `run` the circuit gets the sampler's Brownian path as "
      "a PWL source at each integrator, circuit.diffusion).");
    v("n", n, "Number of samples.", ge(1), le(limits::kMaxSamples));
    v("beta_scale", beta_scale,
      "beta(t) used for sampling = beta_scale x the trained schedule (2 for the published ring).", gt(0));
    v("t_start", t_start, "Diffusion time where sampling starts from x ~ N(0, I).", gt(0), le(1));
    v("t_end", t_end, "Diffusion time where sampling stops.", gt(0));
    v("batch", batch, "Samples integrated together in one Eigen state; results do not depend on it.", ge(1),
      le(limits::kMaxSamples));
    v("seed", seed, "Seed of the initial states and Brownian paths; null derives it from the top-level seed.");
    v("class_index", class_index,
      "Class to generate with a conditional model (0-based); null: the masked (unconditional) class. The circuit "
      "applies its class embedding as DC currents.",
      ge(0));
    v("all_classes", all_classes,
      "`run` with a conditional model: one run per class (class_index ignored), each in its own subfolder, with "
      "per-class metrics against that class's data.");
    v("ode", ode, "PF-ODE solver (Boost.Odeint).");
    v("sde", sde, "Reverse-SDE solver (Euler-Maruyama).");
  }
  void validate(Checker& c) const {
    c.rule("t_end", "t_end < t_start", t_end < t_start,
           "must be < " + c.path("t_start") + " (got " + exact_number(t_end) + " >= " + exact_number(t_start) + ")");
  }
};

struct KlConfig {
  int bins = 50;
  double range = 4.0;
  double blur = 1.0;
  double floor = 1e-6;
  template <class V>
  void fields(V& v) {
    v("bins", bins, "Bins per axis of the 2-D histogram.", ge(2), le(limits::kMaxWidth));
    v("range", range, "Histogram covers [-range, range]^2.", gt(0));
    v("blur", blur, "Gaussian smoothing of both histograms, sigma in bins; 0 disables.", ge(0));
    v("floor", floor, "Weight of the uniform distribution mixed into both histograms so no bin is empty.", gt(0),
      lt(1));
  }
};

struct L2Config {
  int bins = 100;
  double range = 1.0;
  template <class V>
  void fields(V& v) {
    v("bins", bins, "Bins per axis.", ge(2), le(limits::kMaxWidth));
    v("range", range, "Histogram covers [-range, range]^2 (points outside still count in the normalisation).", gt(0));
  }
};

struct MmdConfig {
  int max_points = 2000;
  double bandwidth = 0.0;
  template <class V>
  void fields(V& v) {
    v("max_points", max_points, "At most this many points per set enter the (quadratic-cost) MMD.", ge(2),
      le(limits::kMaxSamples));
    v("bandwidth", bandwidth, "RBF kernel bandwidth; 0 uses the median heuristic.", ge(0));
  }
};

struct MetricsConfig {
  int target_samples = 10000;
  KlConfig kl;
  L2Config l2;
  MmdConfig mmd;
  template <class V>
  void fields(V& v) {
    v("target_samples", target_samples, "Fresh data points drawn as the target of every distribution metric.", ge(2),
      le(limits::kMaxSamples));
    v("kl", kl, "KL(target || generated) of smoothed 2-D histograms.");
    v("l2", l2, "L2 distance of 2-D histograms (published metric).");
    v("mmd", mmd, "Maximum mean discrepancy with an RBF kernel.");
  }
};

// ---------------------------------------------------------------------------
// The circuit (DESIGN.md §3). Signals are voltages around a mid-rail ground:
// x -> V = scaling.state * x, hidden activations -> scaling.hidden V/unit,
// the score -> scaling.score V/unit.

struct BlockLevels {
  std::optional<Level> crossbar, tia, relu, inverter, integrator, multiplier;
  template <class V>
  void fields(V& v) {
    v("crossbar", crossbar,
      "RRAM cells: ideal = linear conductances; behavioral = I0 exp(-g/g0) sinh(V/V0) cells; transistor = the "
      "behavioral RRAM element in series with an NMOS access transistor (1T1R).");
    v("tia", tia, "Transimpedance amplifiers reading the columns.");
    v("relu", relu, "Rectifiers after each hidden layer.");
    v("inverter", inverter, "Unity inverters making the negative row inputs of each differential pair.");
    v("integrator", integrator, "Op-amp RC integrators holding the state x.");
    v("multiplier", multiplier, "Time-varying gain (variable_gain schedule form only).");
  }
};

struct SupplyConfig {
  double vdd = 0.9;
  double vss = -0.9;
  template <class V>
  void fields(V& v) {
    v("vdd", vdd, "Positive rail (V), relative to the mid-rail signal ground. 1.8 V supply = +-0.9 V.", gt(0));
    v("vss", vss, "Negative rail (V).", lt(0));
  }
};

struct ScalingConfig {
  double state = 0.03;
  double hidden = 0.02;
  double score = 0.02;
  template <class V>
  void fields(V& v) {
    v("state", state,
      "Volts per unit of the state x at the integrator outputs (and crossbar rows of layer 1). The defaults keep "
      "typical crossbar read voltages at tens of mV, where the sinh cell is nearly linear, and the tails of the "
      "ring sampler (|x| ~ 4, hidden pre-activations ~ +-17, |score| ~ 30) inside the rails.",
      gt(0));
    v("hidden", hidden, "Volts per unit of the hidden activations (TIA/ReLU outputs).", gt(0));
    v("score", score, "Volts per unit of the score at the output TIAs.", gt(0));
  }
};

struct CellConfig {
  double i0 = 1e-3;
  double g0 = 0.25e-9;
  double v0 = 0.25;
  double verify_voltage = 0.05;
  template <class V>
  void fields(V& v) {
    v("i0", i0, "Behavioral RRAM cell: I = i0 exp(-gap/g0) sinh(V/v0) (A).", gt(0));
    v("g0", g0, "Characteristic gap length g0 (m).", gt(0));
    v("v0", v0, "Characteristic voltage v0 (V); sets the read nonlinearity.", gt(0));
    v("verify_voltage", verify_voltage,
      "Program-and-verify read voltage: each cell's gap is set so I(verify_voltage) = G_target * verify_voltage.",
      gt(0));
  }
};

// Read noise of the cells during the transient, generated in C++ from
// counter-based streams (reproducible by seed in any process) and written
// into the netlist; see src/circuit/nonideal.hpp for the representation.
struct ReadNoiseConfig {
  double white = 0.0;
  double flicker = 0.0;
  double flicker_fmin = 1.0;
  double rtn_fraction = 0.0;
  double rtn_amplitude = 0.0;
  double rtn_tau_empty = 100e-6;
  double rtn_tau_filled = 100e-6;
  double temperature = 0.0;
  int points = 100;
  template <class V>
  void fields(V& v) {
    v("white", white,
      "White conductance noise: one-sided density of dG/G per cell (1/sqrt(Hz)); 0 = off. Band-limited to the noise "
      "grid's Nyquist frequency (points - 1) / (2 run time).",
      ge(0));
    v("flicker", flicker,
      "1/f conductance noise per cell: one-sided PSD of dG/G is flicker / f (dimensionless K_f; 1e-4 gives 1.5% rms "
      "per decade); 0 = off.",
      ge(0));
    v("flicker_fmin", flicker_fmin,
      "Lowest frequency of the 1/f noise (Hz); slower fluctuations are part of the programming error.", gt(0));
    v("rtn_fraction", rtn_fraction, "Fraction of cells with an active random-telegraph trap (per chip).", ge(0), le(1));
    v("rtn_amplitude", rtn_amplitude,
      "Random telegraph noise: a filled trap lowers the cell conductance by this fraction.", ge(0), lt(1));
    v("rtn_tau_empty", rtn_tau_empty, "Mean dwell time of an empty trap (s).", gt(0));
    v("rtn_tau_filled", rtn_tau_filled, "Mean dwell time of a filled trap (s).", gt(0));
    v("temperature", temperature,
      "Thermal (Johnson) current noise 4kTG of the cells at this temperature (K), one source per column; 0 = off.",
      ge(0));
    v("points", points,
      "Points of the shared time grid on which every noise waveform is sampled (linear interpolation between them). "
      "Netlist size and simulation time grow with it (README, RRAM non-idealities).",
      ge(2), le(limits::kMaxGridPoints));
  }
  bool any() const { return white > 0 || flicker > 0 || (rtn_fraction > 0 && rtn_amplitude > 0) || temperature > 0; }
  bool per_cell() const { return white > 0 || flicker > 0 || (rtn_fraction > 0 && rtn_amplitude > 0); }
};

struct CrossbarConfig {
  double g_min = 1e-6;
  double g_max = 100e-6;
  double g_unit = 0.0;
  int levels = 0;
  double programming_error = 0.0;
  double programming_error_abs = 0.0;
  double programming_truncation = 0.0;
  double stuck_at_min = 0.0;
  double stuck_at_max = 0.0;
  std::optional<std::uint64_t> device_seed;
  double wire_resistance = 0.0;
  double v_read = 0.05;
  RowDriver row_driver = RowDriver::direct;
  double replica_conductance = 0.0;
  CellConfig cell;
  ReadNoiseConfig read_noise;
  // The replica cell's conductance: replica_conductance, or (g_min + g_max) / 2 when 0.
  double replica_g() const { return replica_conductance > 0 ? replica_conductance : 0.5 * (g_min + g_max); }
  template <class V>
  void fields(V& v) {
    v("g_min", g_min, "Lowest programmable conductance (S).", gt(0));
    v("g_max", g_max, "Highest programmable conductance (S).", gt(0));
    v("g_unit", g_unit,
      "Conductance per unit weight, G+ - G- = w g_unit (S). 0: per layer, the largest that fits |w| into [g_min, "
      "g_max].",
      ge(0));
    v("levels", levels, "Conductance levels between g_min and g_max (quantisation); 0 = continuous.", ge(0));
    v("programming_error", programming_error,
      "Relative standard deviation of the programmed conductance (seeded, per cell); 0 = exact.", ge(0));
    v("programming_error_abs", programming_error_abs,
      "Absolute standard deviation of the programmed conductance (S), independent of the relative part: sigma(G)^2 = "
      "(programming_error G)^2 + programming_error_abs^2, so low conductances have the larger relative error.",
      ge(0));
    v("programming_truncation", programming_truncation,
      "Programming-error draws beyond this many standard deviations are drawn again (truncated Gaussian); 0 = no "
      "truncation.",
      ge(0));
    v("stuck_at_min", stuck_at_min, "Fraction of cells stuck at g_min whatever they were programmed to.", ge(0), le(1));
    v("stuck_at_max", stuck_at_max, "Fraction of cells stuck at g_max.", ge(0), le(1));
    v("device_seed", device_seed,
      "Seed of the device variation (programming error, stuck cells, RTN traps) and read noise; null: derived from "
      "the top-level seed. Another value is another chip.");
    v("wire_resistance", wire_resistance,
      "Resistance of each crossbar wire segment between neighbouring cells, rows and columns (ohm); 0 = ideal wires.",
      ge(0));
    v("v_read", v_read,
      "Voltage driving the bias rows (V); biases are encoded as conductances at this voltage (best equal to "
      "cell.verify_voltage, where the programmed conductance is exact).",
      gt(0));
    v("row_driver", row_driver,
      "How the network path (diffusion solver, twins) drives crossbar rows. direct: the signal itself, so a "
      "behavioral or 1T1R cell computes g s(V) with its read characteristic s (sinh: +5 % at 0.15 V). replica: each "
      "row from an inverting op-amp with a replica cell in its feedback and 1/replica_conductance at its input, "
      "whose output is the voltage at which a cell passes g times the signal: the array reads linearly (exactly for "
      "behavioral cells, for the replica's own conductance with 1T1R cells). Two op-amps per row pair (a row "
      "inverter, an op-amp level like circuit.blocks.inverter); the spiking and field tasks read at v_read and "
      "ignore it.");
    v("replica_conductance", replica_conductance,
      "Conductance of the replica cells of the row drivers (S), programmed exactly; 0 = (g_min + g_max) / 2.", ge(0));
    v("cell", cell, "Behavioral cell model.");
    v("read_noise", read_noise, "Read noise of the cells during the transient (seeded; all off by default).");
  }
  void validate(Checker& c) const {
    c.rule("g_max", "g_max > g_min", g_max > g_min,
           "must be > " + c.path("g_min") + " (got " + exact_number(g_max) + " <= " + exact_number(g_min) + ")");
    c.rule("levels", "levels is 0 (continuous) or >= 2", levels != 1, "must be 0 (continuous) or >= 2 (got 1)");
    c.rule("replica_conductance", "replica_conductance is 0 (auto) or in [g_min, g_max]",
           replica_conductance == 0 || (replica_conductance >= g_min && replica_conductance <= g_max),
           "must be 0 (auto) or a programmable conductance in [" + exact_number(g_min) + ", " + exact_number(g_max) +
               "] S (got " + exact_number(replica_conductance) + ")");
    c.rule("stuck_at_max", "stuck_at_min + stuck_at_max <= 1", stuck_at_min + stuck_at_max <= 1.0,
           "stuck_at_min + stuck_at_max must be <= 1 (got " + exact_number(stuck_at_min + stuck_at_max) + ")");
  }
};

struct OpampConfig {
  double ideal_gain = 1e7;
  double a0 = 1e4;
  double gbw = 10e6;
  double offset = 0.0;
  double headroom = 0.05;
  double rout = 100.0;
  template <class V>
  void fields(V& v) {
    v("ideal_gain", ideal_gain, "Open-loop gain of the ideal op-amp (a VCVS).", gt(1));
    v("a0", a0, "Behavioral op-amp DC gain (V/V).", gt(1));
    v("gbw", gbw, "Behavioral op-amp gain-bandwidth product (Hz); single dominant pole at gbw/a0.", gt(0));
    v("offset", offset, "Behavioral op-amp input offset voltage (V).");
    v("headroom", headroom, "Behavioral output swing stops this far inside the rails (V).", ge(0));
    v("rout", rout, "Behavioral output resistance (ohm).", gt(0));
  }
};

struct ReluConfig {
  double knee = 1e-4;
  template <class V>
  void fields(V& v) {
    v("knee", knee,
      "Behavioral rectifier: width of the rounded knee (V); output = min(0.5 (v + sqrt(v^2 + knee^2)), the positive "
      "swing): knee/2 at v = 0, and an off unit at v < 0 leaks knee^2 / (4 |v|). A wider knee lets the transient take "
      "longer steps where hidden units cross zero.",
      gt(0));
  }
};

struct IntegratorConfig {
  double r = 100e3;
  double c = 10e-9;
  template <class V>
  void fields(V& v) {
    v("r", r, "Integrator input resistor for the state term (ohm); r*c is the loop time constant tau0.", gt(0));
    v("c", c, "Integrator capacitor (F).", gt(0));
  }
};

struct DacConfig {
  int points = 250;
  bool hold = false;
  template <class V>
  void fields(V& v) {
    v("points", points,
      "Samples of each embedding/schedule waveform over the run (DAC updates); 0 = ideal continuous sources.", ge(0),
      le(limits::kMaxGridPoints));
    v("hold", hold, "true: zero-order hold (staircase, like a DAC); false: linear interpolation between samples.");
  }
  void validate(Checker& c) const {
    c.rule("points", "points is 0 (ideal sources) or >= 2", points != 1, "must be 0 (ideal sources) or >= 2 (got 1)");
  }
};

struct DiffusionConfig {
  int points = 500;
  double resistance = 10.0;
  template <class V>
  void fields(V& v) {
    v("resistance", resistance,
      "Output resistance of the diffusion source, in series with its coupling capacitor (ohm): the injected path is "
      "low-passed with R C (the reference includes it). A few ohms keep the source-capacitor-summing-node loop "
      "well posed for the simulator (without it KLU fails on some corners with 'timestep too small').",
      ge(0));
    v("points", points,
      "Reverse SDE: the diffusion source (a noise DAC) has corners at least run time / points apart; Brownian steps "
      "closer than that in physical time are merged (the path keeps its exact values at the remaining corners). "
      "Bounds the slope of the injected path, which the integrators' op-amps must follow.",
      ge(1), le(limits::kMaxGridPoints));
  }
};

struct CircuitConfig {
  Level level = Level::behavioral;
  BlockLevels blocks;
  ScheduleForm schedule_form = ScheduleForm::time_warp;
  SupplyConfig supply;
  ScalingConfig scaling;
  CrossbarConfig crossbar;
  OpampConfig opamp;
  ReluConfig relu;
  IntegratorConfig integrator;
  DacConfig dac;
  DiffusionConfig diffusion;
  double inverter_r = 100e3;
  TransistorConfig transistor;
  template <class V>
  void fields(V& v) {
    v("level", level,
      "Abstraction level of every block: ideal, behavioral, transistor (180 nm: two-stage OTA op-amps, super-diode "
      "rectifiers, 1T1R cells; the schedule multipliers of variable_gain have no transistor level, set "
      "blocks.multiplier to behavioral).");
    v("blocks", blocks, "Per-block level; null means circuit.level.");
    v("schedule_form", schedule_form,
      "time_warp: constant integrator gain, beta(t) absorbed into the embedding waveforms (du = beta/2 dt); "
      "variable_gain: integrator inputs scaled by beta(t) through multipliers.");
    v("supply", supply, "Rails.");
    v("scaling", scaling, "Volts per unit of each signal.");
    v("crossbar", crossbar, "RRAM crossbars: weights as differential conductance pairs.");
    v("opamp", opamp, "Op-amps of the TIAs, inverters and integrators.");
    v("relu", relu, "Rectifiers.");
    v("integrator", integrator, "State integrators.");
    v("dac", dac, "Waveform sources for the time embedding and the schedule.");
    v("diffusion", diffusion, "The reverse SDE's noise source at each integrator input (sampling.method = sde).");
    v("inverter_r", inverter_r, "Resistors of the unity inverters (ohm).", gt(0));
    v("transistor", transistor, "Transistor level (180 nm CMOS): models, corner, temperature, op-amp and 1T1R sizing.");
  }
  Level level_of(const std::optional<Level>& block) const { return block ? *block : level; }
  void validate(Checker& c) const {
    c.rule("opamp.headroom", "opamp.headroom < supply.vdd and < -supply.vss",
           opamp.headroom < std::min(supply.vdd, -supply.vss),
           "must be smaller than the distance from ground to each rail");
    // The schedule multipliers (variable_gain only) have no transistor-level
    // circuit (README, "Transistor level"); every other block has one.
    c.rule(blocks.multiplier ? "blocks.multiplier" : "level",
           "with schedule_form variable_gain: the multipliers' level (blocks.multiplier, else level) is not transistor",
           schedule_form != ScheduleForm::variable_gain || level_of(blocks.multiplier) != Level::transistor,
           "the schedule multipliers have no transistor-level circuit; set " + c.path("blocks.multiplier") +
               " to behavioral");
  }
};

struct SimulationConfig {
  int n = 200;
  Execution mode = Execution::worker;
  int workers = 0;
  double timeout = 120.0;
  LinearSolver solver = LinearSolver::automatic;
  Integration method = Integration::trap;
  double reltol = 1e-4;
  double abstol = 1e-12;
  double vntol = 1e-7;
  int min_points = 500;
  int observe = 200;
  int plot_trajectories = 6;
  ReferenceModel reference = ReferenceModel::network;
  template <class V>
  void fields(V& v) {
    v("n", n, "Circuit trajectories (one transient each) that `run` simulates.", ge(1), le(limits::kMaxTrajectories));
    v("mode", mode,
      "worker: simulations in child processes (a crash or hang loses nothing else); in_process: in this process.");
    v("workers", workers, "Worker processes; 0 = one per core.", ge(0), le(1024));
    v("timeout", timeout, "Seconds one transient may take before its worker is killed and the sample marked failed.",
      gt(0));
    v("solver", solver,
      "Linear solver: auto (KLU when the library has it, except for the reverse SDE: KLU's reused pivot order fails on "
      "some of its PWL breakpoints, Sparse does not), klu, sparse.");
    v("method", method, "Integration method of the transient.");
    v("reltol", reltol, "ngspice reltol.", gt(0));
    v("abstol", abstol, "ngspice abstol (A).", gt(0));
    v("vntol", vntol, "ngspice vntol (V).", gt(0));
    v("min_points", min_points, "The transient's largest step is the run time divided by this.", ge(10),
      le(limits::kMaxGridPoints));
    v("observe", observe, "Points of the common grid on which trajectories are compared.", ge(2),
      le(limits::kMaxGridPoints));
    v("plot_trajectories", plot_trajectories, "Trajectories drawn in the SPICE-vs-reference picture.", ge(0),
      le(limits::kMaxTrajectories));
    v("reference", reference,
      "What the per-trajectory errors of `run` are measured against. network: the trained network the circuit is "
      "built to compute (with the DAC waveforms); circuit: what the circuit's blocks compute once settled "
      "(programmed conductances, cell I-V, finite op-amp gain and offset, rectifier knee; "
      "tasks/diffusion/settled.hpp), so "
      "the error is the circuit's dynamics alone.");
  }
};

struct Config {
  std::string name = "ring";
  Task task = Task::diffusion;
  std::uint64_t seed = 1;
  DatasetConfig dataset;
  ModelConfig model;
  ScheduleConfig schedule;
  TrainingConfig training;
  SamplingConfig sampling;
  MetricsConfig metrics;
  CircuitConfig circuit;
  SimulationConfig simulation;
  StabilityConfig stability;
  ProjectionConfig projection;
  TwinConfig twin;
  PrimeConfig prime;
  FieldConfig field;

  // Filled by the loader, not keys.
  std::string source;              // the config file as given
  std::filesystem::path base_dir;  // its directory; relative paths start here
  Locations locations;             // where each key was given

  template <class V>
  void fields(V& v) {
    v("name", name, "Name of the study; used in netlist titles and output folder names (letters, digits, _ - .).");
    v("task", task,
      "What is solved: diffusion (a score network sampled through the PF-ODE or reverse SDE) or twin (a neural-ODE "
      "digital twin dx/dt = f(x, u) of the system in twin.system; keys under twin:), prime (the PRIME memristive "
      "spiking network with topology pruning and early stop on Fashion-MNIST; keys under prime:) or field (a neural "
      "field fitted to sparse-view CT projections; keys under field:).");
    v("seed", seed,
      "Master seed. Every random stream (data, initial weights, training noise, samples) derives from it.");
    v("dataset", dataset, "Target distribution.");
    v("model", model, "Score network and its weight file.");
    v("schedule", schedule, "Variance-preserving SDE schedule the network is trained with.");
    v("training", training, "Denoising score matching.");
    v("sampling", sampling, "Reference sampler (Boost.Odeint).");
    v("metrics", metrics, "Distribution metrics against fresh data.");
    v("circuit", circuit, "The analogue solver circuit (memcosim run / netlist).");
    v("simulation", simulation, "How the circuit is simulated (ngspice).");
    v("stability", stability, "Loop-stability analysis of every op-amp loop (memcosim stability).");
    v("projection", projection, "Speed/energy projection against a digital sampler (memcosim run, transistor level).");
    v("twin", twin, "Neural-ODE digital twin (task: twin): the true system, drives, data, network, training, metrics.",
      when(task == Task::twin, "task is twin"));
    v("prime", prime, "PRIME spiking network (task: prime): data, network, topology training, early stop, circuit.",
      when(task == Task::prime, "task is prime"));
    v("field", field,
      "Neural field for sparse-view CT (task: field): phantom, projections, RRAM encoder, training, "
      "quantisation, SPICE inference.");
  }
  // Rules across sections (each section's own rules are next to its struct).
  void validate(Checker& c) const;

  // A path from the config, made absolute against the config's directory.
  std::filesystem::path resolve(const std::string& path) const;
  // A file the config reads (key: its dotted path, path: its value):
  // resolve(path), except when the key kept its default and that file does
  // not exist; then the file the default names from the configs/ folder
  // shipped with memcosim (util/files.hpp data_dir()), if it exists there.
  // So a config outside the shipped configs/ still finds the shipped models
  // (the weights, the 180 nm library). Files memcosim writes use resolve().
  std::filesystem::path resolve_input(const std::string& key, const std::string& path) const;
  // The sampling seed: sampling.seed, or one derived from `seed`.
  std::uint64_t sampling_seed() const;
};

// Loads, overrides (each "dotted.key=value", value in YAML syntax) and
// validates a config. Throws InputError listing every problem found, each
// with file:line:column and key path.
Config load_config(const std::string& path, const std::vector<std::string>& overrides = {});

// Checks the rules of every section of a loaded config again (after code
// changed it, e.g. --class); InputError located like load_config's.
void check_rules(const Config& config);

// The config as YAML with every key (defaults filled in); with comments, each
// key is preceded by its documentation.
std::string to_yaml(const Config& config, bool comments = false);

// Markdown reference of every key: type, default, rule, description.
std::string reference_markdown();

}  // namespace memcosim::config
