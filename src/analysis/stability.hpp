// Loop-gain and step-response measures for the stability analysis
// (memcosim stability). Pure numerics: the circuits and simulations live in
// circuit/loops.hpp and flow/stability.hpp.
//
// Loop gain by double injection (Middlebrook 1975; Tian et al. 2001, who
// showed the same combination is exact for any bilateral loop broken at one
// node). A probe at the loop's breaking point has a voltage source Vt in
// series, from the driver side a to the load side b (V(b) - V(a) = Vt), and a
// current source It into b. Two AC runs:
//   run 1 (Vt = 1, It = 0): Tv = -V(a) / V(b)
//   run 2 (Vt = 0, It = 1): Ti = I_a / (1 - I_a), I_a = the current through
//                           Vt from b to a (ngspice's i(Vt) with + at b)
//   T = (Tv Ti - 1) / (Tv + Ti + 2)
// T is the return ratio with the sign of negative feedback: a stable loop
// has T > 0 at low frequency.
#pragma once

#include <complex>
#include <limits>
#include <span>
#include <string>
#include <vector>

namespace memcosim::analysis {

using Complex = std::complex<double>;

// T from the two injections, frequency by frequency.
std::vector<Complex> tian_loop_gain(std::span<const Complex> va_run1, std::span<const Complex> vb_run1,
                                    std::span<const Complex> i_probe_run2);

struct LoopMargins {
  double dc_gain_db = std::numeric_limits<double>::quiet_NaN();  // |T| at the first frequency
  double peak_gain_db = std::numeric_limits<double>::quiet_NaN();
  bool crosses = false;                                               // |T| falls through 1 after its peak
  double ugf = std::numeric_limits<double>::quiet_NaN();              // Hz, the last downward unity crossing
  double phase_margin = std::numeric_limits<double>::quiet_NaN();     // deg, 180 + arg T there
  bool phase_crosses = false;                                         // arg T crosses -180 deg above the peak
  double gain_margin = std::numeric_limits<double>::infinity();       // dB, -20 log|T| at the first such crossing
  double phase_crossover = std::numeric_limits<double>::quiet_NaN();  // Hz
  std::string note;                                                   // e.g. "|T| < 1 everywhere"
};

// Margins of a loop gain sampled at increasing frequencies. The phase is
// unwrapped along the sweep and taken in (-180, 180] at the frequency where
// |T| peaks (for a loop that is negative feedback there, arg T ~ 0), so
// loops with a zero at the origin (integrators: T ~ s at low frequency)
// are measured the same way. Crossings are interpolated in log frequency.
LoopMargins loop_margins(std::span<const double> f, std::span<const Complex> t);

struct StepMetrics {
  double overshoot = std::numeric_limits<double>::quiet_NaN();    // (peak - settled) / step, >= 0
  double settling = std::numeric_limits<double>::quiet_NaN();     // s after the step until within band for good
  double final_value = std::numeric_limits<double>::quiet_NaN();  // settled value at the end, / step
  bool settled = false;                                           // inside the band over the last fit window
};

// Response d(t) to a step of height `step` applied at t0 (d = the output
// with the step minus the output without it, so the circuit's own motion
// cancels). The settled response is a straight line a + b (t - t0) fitted
// to the last `fit_fraction` of the window (an integrator keeps ramping
// slowly after the step); overshoot and settling are measured against it.
StepMetrics step_metrics(std::span<const double> t, std::span<const double> d, double t0, double step, double band,
                         double fit_fraction = 0.3);

}  // namespace memcosim::analysis
