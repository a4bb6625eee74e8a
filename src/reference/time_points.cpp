#include "reference/time_points.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>

namespace memcosim::reference {

namespace {
[[noreturn]] void fail(const char* who, const std::string& what) {
  throw std::invalid_argument(std::string(who) + ": " + what);
}
}  // namespace

TimePoints make_time_points(double t0, double t1, std::span<const double> observe_times, const char* who) {
  if (!std::isfinite(t0) || !std::isfinite(t1) || t0 == t1) {
    std::ostringstream m;
    m << "start and end times must be finite and differ (got " << t0 << ", " << t1 << ")";
    fail(who, m.str());
  }
  const double dir = t1 > t0 ? 1.0 : -1.0;
  TimePoints p;
  p.times.push_back(t0);
  p.slot.push_back(-1);
  double prev = t0;
  for (std::size_t j = 0; j < observe_times.size(); ++j) {
    const double t = observe_times[j];
    const bool inside = std::isfinite(t) && dir * (t - t0) >= 0.0 && dir * (t1 - t) >= 0.0;
    if (!inside) {
      std::ostringstream m;
      m << "observation time " << j << " (" << t << ") is outside [" << std::min(t0, t1) << ", " << std::max(t0, t1)
        << "]";
      fail(who, m.str());
    }
    if (j > 0 && !(dir * (t - prev) > 0.0)) {
      std::ostringstream m;
      m << "observation times must be strictly " << (dir > 0 ? "increasing" : "decreasing") << " (time " << j << " = "
        << t << " after " << prev << ")";
      fail(who, m.str());
    }
    prev = t;
    const int s = static_cast<int>(j);
    if (t == t0) {
      p.slot.front() = s;
    } else if (t == t1) {
      // recorded at the final point, added below
      p.times.push_back(t1);
      p.slot.push_back(s);
    } else {
      p.times.push_back(t);
      p.slot.push_back(s);
    }
  }
  if (p.times.back() != t1 || p.times.size() == 1) {
    p.times.push_back(t1);
    p.slot.push_back(-1);
  }
  return p;
}

TimePoints grid_time_points(const std::vector<double>& grid, std::span<const double> observe_times, const char* who) {
  if (grid.size() < 2) fail(who, "the time grid needs at least two points");
  TimePoints p;
  p.times = grid;
  p.slot.assign(grid.size(), -1);
  double min_step = std::abs(grid[1] - grid[0]);
  for (std::size_t k = 0; k + 1 < grid.size(); ++k) min_step = std::min(min_step, std::abs(grid[k + 1] - grid[k]));
  const double tol = std::min(1e-9 * std::abs(grid.back() - grid.front()), 0.25 * min_step);
  std::size_t from = 0;
  for (std::size_t j = 0; j < observe_times.size(); ++j) {
    const double t = observe_times[j];
    std::size_t k = from;
    while (k < grid.size() && !(std::abs(grid[k] - t) <= tol)) ++k;
    if (k == grid.size()) {
      std::ostringstream m;
      m.precision(17);
      m << "observation time " << j << " (" << t
        << ") is not a point of the time grid (or not after the previous observation along it)";
      fail(who, m.str());
    }
    p.slot[k] = static_cast<int>(j);
    from = k + 1;
  }
  return p;
}

}  // namespace memcosim::reference
