#include "analysis/stability.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

namespace memcosim::analysis {

std::vector<Complex> tian_loop_gain(std::span<const Complex> va, std::span<const Complex> vb,
                                    std::span<const Complex> ia) {
  if (va.size() != vb.size() || va.size() != ia.size())
    throw std::invalid_argument("tian_loop_gain: the two runs have different lengths");
  std::vector<Complex> t(va.size());
  for (std::size_t k = 0; k < va.size(); ++k) {
    const Complex tv = -va[k] / vb[k];
    const Complex ti = ia[k] / (Complex(1.0) - ia[k]);
    t[k] = (tv * ti - 1.0) / (tv + ti + 2.0);
  }
  return t;
}

namespace {

double db(Complex z) { return 20.0 * std::log10(std::abs(z)); }

// Where y crosses `level` between samples k-1 and k, in log frequency.
double crossing(std::span<const double> f, const std::vector<double>& y, std::size_t k, double level) {
  const double frac = (level - y[k - 1]) / (y[k] - y[k - 1]);
  return std::exp(std::log(f[k - 1]) + frac * (std::log(f[k]) - std::log(f[k - 1])));
}

double at(const std::vector<double>& y, std::span<const double> f, std::size_t k, double fx) {
  const double frac = (std::log(fx) - std::log(f[k - 1])) / (std::log(f[k]) - std::log(f[k - 1]));
  return y[k - 1] + frac * (y[k] - y[k - 1]);
}

}  // namespace

LoopMargins loop_margins(std::span<const double> f, std::span<const Complex> t) {
  if (f.size() != t.size() || f.size() < 2) throw std::invalid_argument("loop_margins: need >= 2 matching points");
  LoopMargins m;
  const std::size_t n = f.size();
  std::vector<double> mag(n), ph(n);
  for (std::size_t k = 0; k < n; ++k) {
    mag[k] = db(t[k]);
    ph[k] = std::arg(t[k]) * 180.0 / std::numbers::pi;
    if (k > 0) {
      while (ph[k] - ph[k - 1] > 180.0) ph[k] -= 360.0;
      while (ph[k] - ph[k - 1] < -180.0) ph[k] += 360.0;
    }
  }
  const std::size_t peak = static_cast<std::size_t>(std::max_element(mag.begin(), mag.end()) - mag.begin());
  // Phase in (-180, 180] at the peak.
  double shift = 0.0;
  while (ph[peak] + shift > 180.0) shift -= 360.0;
  while (ph[peak] + shift <= -180.0) shift += 360.0;
  for (double& p : ph) p += shift;
  m.dc_gain_db = mag.front();
  m.peak_gain_db = mag[peak];
  if (mag[peak] <= 0.0) {
    m.note = "|T| < 1 at every frequency";
    return m;
  }
  // The last downward unity crossing.
  for (std::size_t k = n - 1; k > peak; --k) {
    if (mag[k - 1] >= 0.0 && mag[k] < 0.0) {
      m.crosses = true;
      m.ugf = crossing(f, mag, k, 0.0);
      m.phase_margin = 180.0 + at(ph, f, k, m.ugf);
      break;
    }
  }
  if (!m.crosses) m.note = "|T| still > 1 at the highest frequency";
  // The first -180 deg phase crossing above the peak.
  for (std::size_t k = peak + 1; k < n; ++k) {
    if ((ph[k - 1] > -180.0) != (ph[k] > -180.0)) {
      m.phase_crosses = true;
      m.phase_crossover = crossing(f, ph, k, -180.0);
      m.gain_margin = -at(mag, f, k, m.phase_crossover);
      break;
    }
  }
  return m;
}

StepMetrics step_metrics(std::span<const double> t, std::span<const double> d, double t0, double step, double band,
                         double fit_fraction) {
  if (t.size() != d.size() || t.size() < 4) throw std::invalid_argument("step_metrics: need >= 4 matching points");
  StepMetrics s;
  const double t_end = t.back();
  const double fit_from = t_end - fit_fraction * (t_end - t0);
  // Least-squares line over the fit window.
  double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (std::size_t k = 0; k < t.size(); ++k) {
    if (t[k] < fit_from) continue;
    const double x = t[k] - t0;
    n += 1;
    sx += x;
    sy += d[k];
    sxx += x * x;
    sxy += x * d[k];
  }
  if (n < 2) throw std::invalid_argument("step_metrics: no points in the fit window");
  const double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  const double offset = (sy - slope * sx) / n;
  auto settled_at = [&](double time) { return offset + slope * (time - t0); };
  double peak = 0.0, last_out = t0;
  bool out_in_fit = false;
  for (std::size_t k = 0; k < t.size(); ++k) {
    if (t[k] < t0) continue;
    const double e = (d[k] - settled_at(t[k])) / step;
    peak = std::max(peak, e);
    if (std::abs(e) > band) {
      last_out = t[k];
      if (t[k] >= fit_from) out_in_fit = true;
    }
  }
  s.overshoot = peak;
  s.settling = last_out - t0;
  s.final_value = settled_at(t_end) / step;
  s.settled = !out_in_fit;
  return s;
}

}  // namespace memcosim::analysis
