// Regression cases: a circuit, the probes to watch and their tolerance bands.
//
// A case is one YAML file in a regression folder (tests/regression/*.yaml;
// the format is documented in tests/regression/README.md):
//
//   description: Ring solver, behavioural level, trajectory 0
//   netlist: ../../netlists/ring.cir        # the circuit that is simulated
//   generated_from:                         # optional: the golden netlist check
//     config: ../../configs/ring.yaml       #   netlist must equal what the emitter
//     set: []                               #   writes for this config (+ overrides)
//     sample: 0                             #   and trajectory start
//   golden: ring_behavioral.golden          # default <case>.golden
//   probes:
//     - name: x0
//       vector: v(x0)
//       abs: 1e-5
//       rel: 1e-3
//       windows: [{from: 0, to: 2e-6, abs: 1e-3}]
//     - {name: x0_final, vector: v(x0), measure: final, abs: 1e-5}
//
// Paths are relative to the case file. Every key is read with the config
// system's reader, so mistakes get file:line:column, key and rule.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "config/reflect.hpp"

namespace memcosim::regress {

// What a probe compares.
enum class Measure {
  wave,   // the whole waveform on the golden's scale points
  final,  // value at the last point
  min,
  max,
  mean,
  at,            // value at scale = probe.at (interpolated)
  dc_gain_db,    // AC: 20 log10 |v| at the first frequency
  ugf,           // AC: frequency where |v| falls through 1 (Hz, log-interpolated)
  phase_margin,  // AC: 180 + phase(v) at the ugf (degrees)
};

// How a complex (AC) vector becomes real numbers; real vectors use `real`.
enum class Quantity { automatic, real, imag, mag, db, phase };

struct Window {
  double from = 0.0, to = 0.0;     // on the scale (s, Hz, ...), inclusive
  std::optional<double> abs, rel;  // band inside the window (unset: the probe's)
  bool ignore = false;             // points inside are not compared
  template <class V>
  void fields(V& v) {
    v("from", from, "Start of the window on the plot's scale (s for transients, Hz for AC).");
    v("to", to, "End of the window.");
    v("abs", abs, "Absolute band inside the window; null: the probe's.", config::ge(0));
    v("rel", rel, "Relative band inside the window; null: the probe's.", config::ge(0));
    v("ignore", ignore, "Skip the points inside the window (e.g. a start-up transient).");
  }
};

struct Probe {
  std::string name;
  std::string vector;  // v(node), i(vsource), or a vector name of the plot
  Measure measure = Measure::wave;
  Quantity of = Quantity::automatic;
  double at = 0.0;
  double abs = 0.0;
  double rel = 0.0;
  std::vector<Window> windows;
  template <class V>
  void fields(V& v) {
    v("name", name,
      "Probe name (letters, digits, _ - ., not starting with - or .), unique in the case; the JUnit testcase name.");
    v("vector", vector, "Simulator vector: v(node), i(vsource) or a plot vector name.");
    v("measure", measure, "wave, final, min, max, mean, at, dc_gain_db, ugf, phase_margin.");
    v("of", of, "Complex vectors: real, imag, mag, db, phase (deg); auto = db for complex, real otherwise.");
    v("at", at, "Scale value for measure: at.");
    v("abs", abs, "Absolute band: |new - golden| <= abs + rel |golden|.", config::ge(0));
    v("rel", rel, "Relative band.", config::ge(0));
    v("windows", windows, "Per-window bands on the scale (first matching window wins).");
  }
};

struct GeneratedFrom {
  std::string config;            // "" = the netlist is hand-written
  std::vector<std::string> set;  // --set overrides
  long sample = 0;               // trajectory whose x_T the .ic holds
  template <class V>
  void fields(V& v) {
    v("config", config, "Config the netlist is generated from (relative to the case file); empty: hand-written.");
    v("set", set, "Overrides, as with --set (dotted.key=value).");
    v("sample", sample, "Trajectory whose start x_T the netlist's .ic lines hold.", config::ge(0));
  }
};

struct Case {
  std::string description;
  std::string netlist;
  GeneratedFrom generated_from;
  std::string analysis = "run";
  double timeout = 120.0;
  std::string golden;
  int points = 201;
  std::vector<Probe> probes;

  // Filled by load_case.
  std::string name;            // file stem
  std::filesystem::path file;  // the case file
  config::Locations locations;

  template <class V>
  void fields(V& v) {
    v("description", description, "What the case guards.");
    v("netlist", netlist, "Netlist simulated (relative to the case file).");
    v("generated_from", generated_from, "Golden netlist check: the config the netlist must be generated from.");
    v("analysis", analysis,
      "run = the netlist's own analyses; or one analysis such as 'tran 1u 1m', 'ac dec 20 1 1g'.");
    v("timeout", timeout, "Seconds the simulation may take.", config::gt(0));
    v("golden", golden, "Golden waveform file (relative to the case file); default <case>.golden.");
    v("points", points, "Most points of a golden waveform (longer plots are resampled).", config::ge(2));
    v("probes", probes, "What is compared.");
  }

  std::filesystem::path path_of(const std::string& relative) const;
  std::filesystem::path golden_path() const;
};

// Reads and checks one case file (probe names unique and well formed,
// vectors well formed, windows ordered, measures that need an AC vector or
// `at`). Throws InputError listing every problem.
Case load_case(const std::filesystem::path& file);

// The case files of a folder (*.yaml, sorted), or the file itself.
std::vector<std::filesystem::path> case_files(const std::filesystem::path& dir_or_file);

}  // namespace memcosim::regress

namespace memcosim::config {
template <>
struct EnumNames<regress::Measure> {
  static constexpr std::array<std::pair<regress::Measure, std::string_view>, 9> values{
      {{regress::Measure::wave, "wave"},
       {regress::Measure::final, "final"},
       {regress::Measure::min, "min"},
       {regress::Measure::max, "max"},
       {regress::Measure::mean, "mean"},
       {regress::Measure::at, "at"},
       {regress::Measure::dc_gain_db, "dc_gain_db"},
       {regress::Measure::ugf, "ugf"},
       {regress::Measure::phase_margin, "phase_margin"}}};
};
template <>
struct EnumNames<regress::Quantity> {
  static constexpr std::array<std::pair<regress::Quantity, std::string_view>, 6> values{
      {{regress::Quantity::automatic, "auto"},
       {regress::Quantity::real, "real"},
       {regress::Quantity::imag, "imag"},
       {regress::Quantity::mag, "mag"},
       {regress::Quantity::db, "db"},
       {regress::Quantity::phase, "phase"}}};
};
}  // namespace memcosim::config
