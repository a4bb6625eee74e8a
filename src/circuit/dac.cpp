#include "circuit/dac.hpp"

#include <algorithm>

namespace memcosim::circuit {

double Waveform::at(double time) const {
  if (t.empty()) return 0.0;
  if (time <= t.front()) return v.front();
  if (time >= t.back()) return v.back();
  const auto hi = static_cast<std::size_t>(std::upper_bound(t.begin(), t.end(), time) - t.begin());
  const std::size_t lo = hi - 1;
  const double f = (time - t[lo]) / (t[hi] - t[lo]);
  return v[lo] + f * (v[hi] - v[lo]);
}

std::vector<double> dac_times(int points, double duration) {
  std::vector<double> t(static_cast<std::size_t>(points));
  for (int k = 0; k < points; ++k) t[static_cast<std::size_t>(k)] = duration * k / (points - 1);
  return t;
}

Expr dac_expr(const Waveform& w, double volts_per_unit) {
  std::vector<double> v = w.v;
  for (double& x : v) x *= volts_per_unit;
  return Expr::pwl(Expr::time(), w.t, v);
}

}  // namespace memcosim::circuit
