// Variance-preserving SDE with a linear noise schedule (Song et al. 2021):
//
//   dx = -1/2 beta(t) x dt + sqrt(beta(t)) dW,   beta(t) = beta_min + t (beta_max - beta_min)
//
// Forward marginal: x_t | x_0 ~ N(alpha(t) x_0, sigma(t)^2 I) with
//   B(t) = int_0^t beta = beta_min t + 1/2 (beta_max - beta_min) t^2,
//   alpha(t) = exp(-B/2),  sigma(t)^2 = 1 - exp(-B).
//
// Time warp (DESIGN.md §3): with du = 1/2 beta(t) d(-t) the probability-flow
// ODE becomes dx/du = x + s(x, t(u)), integrated from u = 0 at t = t_start.
//   u(t) = 1/2 (B(t_start) - B(t)),  and t(u) is its closed-form inverse.
#pragma once

namespace memcosim::sde {

struct VpSchedule {
  double beta_min = 0.001;
  double beta_max = 0.5;

  double beta(double t) const { return beta_min + t * (beta_max - beta_min); }
  // B(t) = int_0^t beta(s) ds.
  double integral(double t) const { return beta_min * t + 0.5 * (beta_max - beta_min) * t * t; }
  double alpha(double t) const;
  double sigma(double t) const;
  double variance(double t) const;  // sigma(t)^2, accurate for small t

  // The same schedule with beta multiplied by k (the published sampler scales
  // beta_min and beta_max by 2 for the ring).
  VpSchedule scaled(double k) const { return {beta_min * k, beta_max * k}; }

  // Warped time u(t) for a reverse integration that starts at t_start.
  double warp(double t, double t_start) const { return 0.5 * (integral(t_start) - integral(t)); }
  // Inverse of warp(): the diffusion time t at warped time u (u >= 0).
  double unwarp(double u, double t_start) const;
};

}  // namespace memcosim::sde
