#include "analysis/resample.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace memcosim::analysis {

std::vector<double> interpolate_linear(std::span<const double> times, std::span<const double> values,
                                       std::span<const double> at) {
  if (times.empty() || times.size() != values.size())
    throw std::invalid_argument("interpolate_linear: need as many values as times, at least one");
  const std::size_t n = times.size();
  const bool decreasing = times.back() < times.front();
  for (std::size_t k = 0; k + 1 < n; ++k) {
    const bool ok = decreasing ? times[k + 1] <= times[k] : times[k + 1] >= times[k];
    if (!ok || !std::isfinite(times[k]))
      throw std::invalid_argument("interpolate_linear: times must be finite and monotone (at " + std::to_string(k) +
                                  ")");
  }
  // Work on an increasing view: position u = dir * t.
  const double dir = decreasing ? -1.0 : 1.0;
  auto u_of = [&](std::size_t k) { return dir * times[k]; };
  const double u_lo = u_of(0), u_hi = u_of(n - 1);
  const double tol = 1e-12 * std::max(u_hi - u_lo, std::abs(u_hi) + std::abs(u_lo));

  std::vector<double> out(at.size());
  for (std::size_t i = 0; i < at.size(); ++i) {
    const double u = dir * at[i];
    if (!(u >= u_lo - tol && u <= u_hi + tol))
      throw std::invalid_argument("interpolate_linear: point " + std::to_string(at[i]) +
                                  " is outside the series' time range [" +
                                  std::to_string(std::min(times.front(), times.back())) + ", " +
                                  std::to_string(std::max(times.front(), times.back())) + "]");
    if (u <= u_lo) {
      out[i] = values[0];
      continue;
    }
    if (u >= u_hi) {
      out[i] = values[n - 1];
      continue;
    }
    // First k with u_of(k) > u, so u_of(k-1) <= u < u_of(k) and the segment
    // has non-zero width; with repeated times the later sample is used.
    std::size_t lo = 0, hi = n - 1;  // invariant: u_of(lo) <= u < u_of(hi)
    while (hi - lo > 1) {
      const std::size_t mid = lo + (hi - lo) / 2;
      if (u_of(mid) <= u)
        lo = mid;
      else
        hi = mid;
    }
    const double u0 = u_of(lo), u1 = u_of(hi);
    const double w = (u - u0) / (u1 - u0);
    out[i] = values[lo] + w * (values[hi] - values[lo]);
  }
  return out;
}

SeriesError series_error(std::span<const double> a, std::span<const double> b) {
  if (a.size() != b.size() || a.empty())
    throw std::invalid_argument("series_error: series must be non-empty and equally long (got " +
                                std::to_string(a.size()) + " and " + std::to_string(b.size()) + ")");
  SeriesError e;
  double sum2 = 0.0;
  for (std::size_t k = 0; k < a.size(); ++k) {
    const double d = a[k] - b[k];
    sum2 += d * d;
    if (std::abs(d) > e.max_abs || std::isnan(d)) {
      e.max_abs = std::abs(d);
      e.argmax = k;
    }
  }
  e.rms = std::sqrt(sum2 / static_cast<double>(a.size()));
  return e;
}

}  // namespace memcosim::analysis
