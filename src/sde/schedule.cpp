#include "sde/schedule.hpp"

#include <cmath>

namespace memcosim::sde {

double VpSchedule::alpha(double t) const { return std::exp(-0.5 * integral(t)); }

double VpSchedule::variance(double t) const { return -std::expm1(-integral(t)); }

double VpSchedule::sigma(double t) const { return std::sqrt(variance(t)); }

double VpSchedule::unwarp(double u, double t_start) const {
  // Solve 1/2 (beta_max - beta_min) t^2 + beta_min t - c = 0 for t >= 0,
  // c = B(t_start) - 2u. The form below avoids cancellation when the
  // quadratic coefficient is small.
  const double a = 0.5 * (beta_max - beta_min);
  const double c = integral(t_start) - 2.0 * u;
  if (a == 0.0) return c / beta_min;
  return 2.0 * c / (beta_min + std::sqrt(beta_min * beta_min + 4.0 * a * c));
}

}  // namespace memcosim::sde
