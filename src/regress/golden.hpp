// Golden waveforms: what a regression case's probes looked like when the
// golden was accepted, and the comparison of a new simulation against it.
//
// File format (text, one point per line, diff-friendly; documented in
// tests/regression/README.md):
//
//   # comments
//   memcosim-golden 1
//   scale time linear                 (or: scale frequency log; scale none)
//   measure x0_final 0.0123456789
//   columns time x0 l1_z0
//   0 0.03 0.0123
//   1.2e-06 0.0301 0.0124
//   ...
//
// Wave probes are stored on at most `points` scale points (the simulator's
// own points when it has fewer, else a uniform grid, logarithmic for AC);
// a new run is interpolated onto the golden's points before comparing.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "regress/case.hpp"
#include "spice/plot.hpp"

namespace memcosim::regress {

struct Golden {
  std::string scale;                       // scale vector name ("time", "frequency"); "" when the plot has none
  bool log_scale = false;                  // interpolate in log(scale)
  std::vector<double> x;                   // scale points (empty when there are no wave probes)
  std::vector<std::string> columns;        // wave probe names
  std::vector<std::vector<double>> waves;  // one per column, x.size() values
  std::vector<std::pair<std::string, double>> measures;  // scalar probes

  const std::vector<double>* wave(const std::string& probe) const;
  const double* measure(const std::string& probe) const;
};

// The probe's vector as real numbers (Quantity applied; phase unwrapped).
std::vector<double> probe_values(const Probe& probe, const spice::Vector& v);

// The golden of a fresh simulation: waves resampled to at most case.points
// points. Throws SimulationError naming the probe when a vector is missing
// or a measure cannot be taken (e.g. no unity-gain crossing).
Golden extract(const Case& c, const spice::Plot& plot);

std::string format_golden(const Golden& g, const std::vector<std::string>& header);
// Throws InputError naming file and line for a malformed golden file.
Golden read_golden(const std::filesystem::path& file);

struct ProbeOutcome {
  std::string probe;
  bool passed = false;
  std::string message;                     // one line: why it failed, or what was compared
  long compared = 0;                       // points compared (1 for a measure)
  long violations = 0;                     // points outside the band
  double worst_x = 0;                      // scale value of the worst point
  double value = 0, golden = 0, band = 0;  // at the worst point
};

// Compares the probes of a new simulation with the golden.
std::vector<ProbeOutcome> compare(const Case& c, const Golden& golden, const spice::Plot& plot);

}  // namespace memcosim::regress
