// DAC sources: a waveform sampled at update times, held (zero-order) or
// linearly interpolated, as the netlist gives it and as the references
// evaluate it. Shared by every task whose circuit is driven from a DAC (the
// diffusion solver's embeddings and schedule, the twins' drives).
#pragma once

#include <vector>

#include "circuit/ir.hpp"

namespace memcosim::circuit {

// A source waveform as the netlist gives it: piecewise linear through
// (t, v), constant outside. The reference evaluates the same points.
struct Waveform {
  std::vector<double> t, v;
  double at(double time) const;
};

// DAC update times: points uniformly over [0, duration] (points >= 2).
std::vector<double> dac_times(int points, double duration);

// Samples of f at the DAC times, as a linear or zero-order-hold waveform
// (a hold steps to the new value over 1/1000 of an update interval).
template <class F>
Waveform dac_waveform(const std::vector<double>& times, bool hold, F f) {
  Waveform w;
  for (std::size_t k = 0; k < times.size(); ++k) {
    const double value = f(times[k]);
    if (hold && k > 0) {
      const double edge = 1e-3 * (times[k] - times[k - 1]);
      w.t.push_back(times[k] - edge);
      w.v.push_back(w.v.back());
    }
    w.t.push_back(times[k]);
    w.v.push_back(value);
  }
  return w;
}

// A DAC output: pwl(time, ...) through the waveform's points, scaled to
// volts. A behavioural pwl interpolates exactly like Waveform::at() but,
// unlike a PWL source, sets no simulator breakpoint at every update.
Expr dac_expr(const Waveform& w, double volts_per_unit);

}  // namespace memcosim::circuit
