// Config keys of the transistor level (180 nm CMOS), the stability analysis
// (`memcosim stability`) and the speed/energy projection of `memcosim run`.
// Included by config.hpp; kept apart so the transistor-level work touches the
// shared schema in three lines only.
#pragma once

#include <string>

#include "config/reflect.hpp"

namespace memcosim::config {

// Process corner of the 180 nm model cards: first letter NMOS, second PMOS.
enum class Corner { tt, ff, ss, fs, sf };

template <>
struct EnumNames<Corner> {
  static constexpr std::array<std::pair<Corner, std::string_view>, 5> values{
      {{Corner::tt, "tt"}, {Corner::ff, "ff"}, {Corner::ss, "ss"}, {Corner::fs, "fs"}, {Corner::sf, "sf"}}};
};

// The two-stage Miller OTA (src/circuit/transistor.hpp has the schematic):
// NMOS input pair M1/M2 with tail M5, PMOS mirror load M3/M4, PMOS common-
// source second stage M6 with NMOS sink M7, Miller capacitor cc in series
// with the nulling resistor rz, and its own bias: i_ref into the diode Mb,
// mirrored to M5 and M7. Widths and lengths in metres.
struct OtaConfig {
  double i_ref = 5e-6;
  double w_bias = 2e-6;
  double l_bias = 1e-6;
  double w_tail = 4e-6;
  double w_in = 4e-6;
  double l_in = 1e-6;
  double w_load = 8e-6;
  double l_load = 1e-6;
  double w_out = 120e-6;
  double w_sink = 30e-6;
  double cc = 2e-12;
  double rz = 2e3;
  template <class V>
  void fields(V& v) {
    v("i_ref", i_ref, "Reference current into the bias diode Mb (A); an ideal source from the op-amp's own supply.",
      gt(0));
    v("w_bias", w_bias, "Width of the bias diode Mb (NMOS).", gt(0));
    v("l_bias", l_bias, "Length of Mb and of the current sources M5 (tail) and M7 (sink) it mirrors to.", gt(0));
    v("w_tail", w_tail, "Width of the tail source M5: I_tail = i_ref w_tail / w_bias.", gt(0));
    v("w_in", w_in, "Width of the NMOS input pair M1/M2.", gt(0));
    v("l_in", l_in, "Length of the input pair.", gt(0));
    v("w_load", w_load, "Width of the PMOS mirror load M3/M4.", gt(0));
    v("l_load", l_load,
      "Length of M3/M4 and of the second-stage PMOS M6 (equal lengths and current densities keep the systematic "
      "offset near zero).",
      gt(0));
    v("w_out", w_out, "Width of the second-stage PMOS M6 (best w_load * I_out / (I_tail/2)).", gt(0));
    v("w_sink", w_sink,
      "Width of the output sink M7: I_out = i_ref w_sink / w_bias (also the most current it can sink).", gt(0));
    v("cc", cc, "Miller compensation capacitor (F).", gt(0));
    v("rz", rz, "Nulling resistor in series with cc (ohm); > 1/gm6 moves the Miller zero into the left half-plane.",
      gt(0));
  }
};

// The transistor-level rectifier (src/circuit/transistor.hpp has the
// schematics and README "Rectifier at transistor level" the measured
// candidates): a super-diode, i.e. an amplifier whose output device can only
// source current, in a unity-gain loop, so out = in for in > 0 and the load
// pulls out to the signal ground for in < 0.
enum class RectifierTopology { follower, common_source };

template <>
struct EnumNames<RectifierTopology> {
  static constexpr std::array<std::pair<RectifierTopology, std::string_view>, 2> values{
      {{RectifierTopology::follower, "follower"}, {RectifierTopology::common_source, "common_source"}}};
};

struct RectifierConfig {
  RectifierTopology topology = RectifierTopology::follower;
  double i_ref = 2e-6;
  double w_bias = 2e-6;
  double l_bias = 1e-6;
  double w_tail = 4e-6;
  double w_in = 4e-6;
  double l_in = 1e-6;
  double w_load = 4e-6;
  double l_load = 1e-6;
  double w_stage2 = 4e-6;
  double w_sink = 2e-6;
  double w_out = 10e-6;
  double l_out = 0.5e-6;
  bool clamp = false;
  double w_clamp = 2e-6;
  double l_clamp = 0.5e-6;
  double cc = 0.5e-12;
  double rz = 20e3;
  double r_pulldown = 100e3;
  template <class V>
  void fields(V& v) {
    v("topology", topology,
      "follower = two-stage amplifier (NMOS pair, PMOS mirror, PMOS common-source stage M6 with sink M7) driving an "
      "NMOS "
      "source follower Mo (drain at vdd, source = out); common_source = one-stage amplifier driving a PMOS Mo "
      "(source at vdd, drain = out). Both only source current; follower is the measured better one (README).");
    v("i_ref", i_ref, "Reference current into the bias diode Mb (A).", gt(0));
    v("w_bias", w_bias, "Width of the bias diode Mb (NMOS).", gt(0));
    v("l_bias", l_bias, "Length of Mb, the tail M5 and the sink M7.", gt(0));
    v("w_tail", w_tail, "Width of the tail source M5: I_tail = i_ref w_tail / w_bias.", gt(0));
    v("w_in", w_in, "Width of the NMOS input pair M1/M2 (M2 gate = the rectifier input, M1 gate = its output).", gt(0));
    v("l_in", l_in, "Length of the input pair.", gt(0));
    v("w_load", w_load, "Width of the PMOS mirror load M3/M4.", gt(0));
    v("l_load", l_load, "Length of M3/M4 and of the second-stage PMOS M6.", gt(0));
    v("w_stage2", w_stage2, "Width of the second-stage PMOS M6 (follower only).", gt(0));
    v("w_sink", w_sink, "Width of the second-stage sink M7 (follower only): I = i_ref w_sink / w_bias.", gt(0));
    v("w_out", w_out, "Width of the output device Mo (NMOS follower or PMOS common source).", gt(0));
    v("l_out", l_out, "Length of the output device Mo.", gt(0));
    v("clamp", clamp,
      "Follower only: an NMOS Mc (drain vdd, gate out, source = Mo's gate) that holds Mo's gate one threshold below "
      "the "
      "output when the input is negative, instead of letting the sink M7 pull it to vss; off while the rectifier "
      "conducts (its gate-source voltage is then minus Mo's).");
    v("w_clamp", w_clamp, "Width of the clamp Mc.", gt(0));
    v("l_clamp", l_clamp, "Length of the clamp Mc.", gt(0));
    v("cc", cc,
      "Compensation capacitor (F) in series with rz, from the first-stage output to the node Mo's gate "
      "(follower) or to the output (common_source).",
      gt(0));
    v("rz", rz, "Nulling resistor in series with cc (ohm).", gt(0));
    v("r_pulldown", r_pulldown,
      "Resistor from the rectifier output to the signal ground (ohm): holds the output at 0 when the input is "
      "negative, "
      "whatever the load.",
      gt(0));
  }
  void validate(Checker& c) const {
    c.rule("clamp", "clamp needs topology follower", !clamp || topology == RectifierTopology::follower,
           "the clamp holds the follower's gate: topology must be follower");
  }
};

// The comparator, strobed latch and reset switch of the transistor-level
// LIF neuron (task prime; src/circuit/transistor.hpp has the schematic). The
// membrane itself is an op-amp integrator built from `opamp`.
struct LifConfig {
  double i_ref = 5e-6;
  double w_bias = 2e-6;
  double l_bias = 1e-6;
  double w_tail = 4e-6;
  double w_in = 4e-6;
  double l_in = 0.5e-6;
  double w_load = 4e-6;
  double l_load = 0.5e-6;
  double w_stage2 = 8e-6;
  double w_sink = 4e-6;
  double w_logic_n = 1e-6;
  double w_logic_p = 2e-6;
  double l_logic = 0.18e-6;
  double c_hold = 20e-15;
  double w_switch = 4e-6;
  double l_switch = 0.18e-6;
  template <class V>
  void fields(V& v) {
    v("i_ref", i_ref, "Comparator: reference current into its bias diode Mb (A).", gt(0));
    v("w_bias", w_bias, "Comparator: width of the bias diode Mb (NMOS).", gt(0));
    v("l_bias", l_bias, "Comparator: length of Mb, the tail M5 and the sink M7.", gt(0));
    v("w_tail", w_tail, "Comparator: width of the tail M5 (I_tail = i_ref w_tail / w_bias).", gt(0));
    v("w_in", w_in, "Comparator: width of the NMOS input pair (membrane against the threshold reference).", gt(0));
    v("l_in", l_in, "Comparator: length of the input pair.", gt(0));
    v("w_load", w_load, "Comparator: width of the PMOS mirror load.", gt(0));
    v("l_load", l_load, "Comparator: length of the mirror load and of the second-stage PMOS M6.", gt(0));
    v("w_stage2", w_stage2,
      "Comparator: width of the uncompensated second-stage PMOS M6 (w_load * I_M7 / (I_tail / 2) keeps the "
      "systematic offset near zero).",
      gt(0));
    v("w_sink", w_sink, "Comparator: width of the second-stage sink M7 (I = i_ref w_sink / w_bias).", gt(0));
    v("w_logic_n", w_logic_n, "Inverters and transmission gate of the latch: NMOS width.", gt(0));
    v("w_logic_p", w_logic_p, "Inverters and transmission gate of the latch: PMOS width.", gt(0));
    v("l_logic", l_logic, "Inverters and transmission gate: length.", gt(0));
    v("c_hold", c_hold, "Latch storage capacitor behind the strobe transmission gate (F).", gt(0));
    v("w_switch", w_switch, "Reset: width of each of the two series NMOS switches across the membrane capacitor.",
      gt(0));
    v("l_switch", l_switch, "Reset: length of the switches.", gt(0));
  }
};

// Pelgrom mismatch (circuit/mismatch.hpp): every MOSFET of a netlist gets
// its own threshold shift and current-factor error, normal with
// sigma(dVth) = a_vt / sqrt(W L) and sigma(dbeta/beta) = a_beta / sqrt(W L),
// drawn counter-based from (seed, draw, the device's full instance name), so
// a draw is the same in every process. Default coefficients: see
// models/cmos180.lib ("Mismatch") for their sources.
struct MismatchConfig {
  bool enabled = false;
  long draw = 0;
  long seed = 1;
  double avt_n = 5e-9;
  double avt_p = 5e-9;
  double abeta_n = 0.01e-6;
  double abeta_p = 0.01e-6;
  template <class V>
  void fields(V& v) {
    v("enabled", enabled, "Apply device mismatch to every MOSFET (op-amps, rectifiers, access transistors).");
    v("draw", draw,
      "Which mismatch draw (0, 1, 2, ...): one draw is one fabricated chip; a study sweeps it for a Monte Carlo.",
      ge(0));
    v("seed", seed,
      "Seed of the mismatch draws (independent of the top-level seed, so the chip stays the same when "
      "the sampling seed changes).",
      ge(0));
    v("avt_n", avt_n, "Pelgrom threshold coefficient of NMOS (V*m; 5e-9 = 5 mV*um).", ge(0));
    v("avt_p", avt_p, "Pelgrom threshold coefficient of PMOS (V*m).", ge(0));
    v("abeta_n", abeta_n, "Pelgrom current-factor coefficient of NMOS (relative * m; 0.01e-6 = 1 %*um).", ge(0));
    v("abeta_p", abeta_p, "Pelgrom current-factor coefficient of PMOS (relative * m).", ge(0));
  }
};

// The 1T1R cell: RRAM element on the row side, NMOS access transistor with
// its source on the column (the virtual ground), gate on the word line.
struct AccessConfig {
  double w = 1e-6;
  double l = 0.18e-6;
  double word_line = 0.9;
  template <class V>
  void fields(V& v) {
    v("w", w, "Access transistor width (m).", gt(0));
    v("l", l, "Access transistor length (m).", gt(0));
    v("word_line", word_line,
      "Word-line voltage during inference (V, against the mid-rail signal ground; the bulk sits at "
      "circuit.supply.vss). "
      "0.9 = the positive rail: no boosted word line, gate-bulk stays within the 1.8 V oxide rating.");
  }
};

struct TransistorConfig {
  std::string models = "../models/cmos180.lib";
  Corner corner = Corner::tt;
  double temperature = 27.0;
  double diffusion = 0.48e-6;
  OtaConfig opamp;
  RectifierConfig relu;
  AccessConfig access;
  LifConfig lif;
  MismatchConfig mismatch;
  template <class V>
  void fields(V& v) {
    v("models", models,
      "BSIM3v3 model library, relative to this config file: only .model cards named nch_<corner> / pch_<corner>; "
      "the chosen corner's cards are written inline into every netlist.");
    v("corner", corner, "Process corner: tt, ff, ss, fs (fast NMOS, slow PMOS), sf.");
    v("temperature", temperature, "Circuit temperature (deg C), written as .options temp.", ge(-55), le(150));
    v("diffusion", diffusion,
      "Drain/source diffusion length (m): every MOSFET gets AD = AS = W*diffusion, PD = PS = 2 (W + diffusion), so "
      "junction capacitances load the nodes; 0 leaves them out.",
      ge(0));
    v("opamp", opamp, "The transistor-level op-amp (two-stage Miller OTA) of the TIAs, inverters and integrators.");
    v("relu", relu, "The transistor-level rectifier (super-diode) after each hidden layer.");
    v("access", access, "The access transistor of the 1T1R cells (circuit.blocks.crossbar: transistor).");
    v("lif", lif, "Comparator, latch and reset of the transistor-level LIF neuron (task prime).");
    v("mismatch", mismatch, "Device mismatch (Pelgrom), off by default.");
  }
};

// `memcosim stability`: specs and how the loops are measured.
struct StabilityConfig {
  double min_phase_margin = 60.0;
  double min_phase_margin_corners = 45.0;
  double min_gain_margin = 10.0;
  double min_opamp_gain = 60.0;
  double max_overshoot = 0.15;
  double max_settling = 2e-6;
  double settle_band = 0.01;
  double step = 1e-3;
  double f_min = 1.0;
  double f_max = 1e9;
  int points_per_decade = 20;
  long sample = 0;
  double load_r = 20e3;
  double load_c = 1e-12;
  double max_offset = 10e-3;
  double min_yield = 0.9;
  std::string loops;
  template <class V>
  void fields(V& v) {
    v("min_phase_margin", min_phase_margin, "Smallest phase margin (deg) of every op-amp loop at tt and 27 C.", ge(0));
    v("min_phase_margin_corners", min_phase_margin_corners,
      "Smallest phase margin (deg) at every other corner and temperature.", ge(0));
    v("min_gain_margin", min_gain_margin, "Smallest gain margin (dB) of every loop whose phase crosses -180 deg.",
      ge(0));
    v("min_opamp_gain", min_opamp_gain,
      "Smallest open-loop DC gain (dB) of the op-amp alone, loaded by load_r || load_c.", ge(0));
    v("max_overshoot", max_overshoot,
      "Largest overshoot of the integrators' small-step response, as a fraction of the step.", ge(0));
    v("max_settling", max_settling, "Longest settling time (s) of that response into +-settle_band of the step.",
      gt(0));
    v("settle_band", settle_band, "Settling band, as a fraction of the step.", gt(0), lt(1));
    v("step", step, "Small step (V) applied to each integrator's non-inverting input.", gt(0));
    v("f_min", f_min, "Lowest frequency of the loop-gain sweep (Hz).", gt(0));
    v("f_max", f_max, "Highest frequency of the loop-gain sweep (Hz).", gt(0));
    v("points_per_decade", points_per_decade, "Points per decade of the sweep.", ge(5));
    v("sample", sample,
      "Trajectory whose start state x_T sets the operating point (integrator outputs held there at DC).", ge(0));
    v("load_r", load_r,
      "Load of the op-amp characterisation (open-loop gain, unity-gain frequency): resistance to ground (ohm); "
      "netlists/opamp_ac.cir uses the same.",
      gt(0));
    v("load_c", load_c, "Load capacitance of the op-amp characterisation (F).", ge(0));
    v("max_offset", max_offset,
      "Largest |DC input offset| (V) of every loop in the circuit under device mismatch (stability --mismatch): "
      "V(non-inverting input) - V(inverting input) at the operating point.",
      gt(0));
    v("min_yield", min_yield,
      "Smallest fraction of mismatch draws (stability --mismatch) in which every loop meets max_offset and the op-amp "
      "and rectifier benches meet their phase-margin and gain specs.",
      ge(0), le(1));
    v("loops", loops,
      "Loops measured in place when the command line gives no --loops: op-amp names separated by commas "
      "(int0,l1_tia3), "
      "'first' (one per block), or empty or 'all' for every loop (a 6-64-64-6 twin has 274).");
  }
  void validate(Checker& c) const {
    c.rule("f_max", "f_max > f_min", f_max > f_min,
           "must be > " + c.path("f_min") + " (got " + exact_number(f_max) + " <= " + exact_number(f_min) + ")");
  }
};

// The speed/energy projection `memcosim run` prints at transistor level.
struct ProjectionConfig {
  double digital_power = 15.0;
  std::string digital_platform = "one x86-64 core of this machine, batched Boost.Odeint sampler";
  long digital_samples = 10000;
  template <class V>
  void fields(V& v) {
    v("digital_power", digital_power,
      "Power (W) assumed for the digital platform while it samples; digital energy per sample = this x the measured "
      "time per sample. An assumption, printed next to every figure it enters.",
      gt(0));
    v("digital_platform", digital_platform, "What digital_power stands for (printed with the table).");
    v("digital_samples", digital_samples,
      "Samples the reference sampler draws (one batch, one thread) to measure the digital time per sample.", ge(1));
  }
};

}  // namespace memcosim::config
