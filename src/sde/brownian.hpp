// Counter-based randomness for sampling: initial states and Brownian paths.
//
// Every random number here is a pure function of (seed, sample index,
// dimension, step), through memcosim::counter_normal. So sample i gets the same
// start and the same path whatever batch or block it is processed in, in any
// order, in any process, and one sample can be regenerated alone (e.g. to
// write its path into a SPICE netlist as a piecewise-linear source and hand
// the identical increments to the reference solver).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <Eigen/Core>

namespace memcosim::sde {

// Seeds for the two purposes, derived from a master seed (derive_seed), so
// starts and increments never share counters. The reference sampler uses
// exactly these; anything that must reproduce its randomness should too.
std::uint64_t initial_state_seed(std::uint64_t master_seed);
std::uint64_t brownian_seed(std::uint64_t master_seed);

// `steps` + 1 equally spaced times from t_start to t_end (either direction):
// t_k = t_start + (t_end - t_start) k / steps, with t_0 = t_start and
// t_steps = t_end exactly. Throws std::invalid_argument if steps < 1, a bound
// is not finite, or t_start == t_end.
std::vector<double> uniform_grid(double t_start, double t_end, int steps);

// The counter used for initial states: x_T[i][d] = counter_normal(seed, i, d,
// kInitialStateCounter). It is not a valid step index of any grid.
inline constexpr std::uint64_t kInitialStateCounter = ~std::uint64_t{0};

// Standard-normal initial states for samples first_sample, first_sample + 1,
// ...: out(d, j) = counter_normal(seed, first_sample + j, d,
// kInitialStateCounter). out is dim x count, one sample per column.
void initial_states(std::uint64_t seed, std::uint64_t first_sample, Eigen::Ref<Eigen::MatrixXd> out);
Eigen::MatrixXd initial_states(std::uint64_t seed, std::uint64_t first_sample, int dim, Eigen::Index count);

// A Brownian path for every sample, on a fixed time grid
// t_0 > t_1 > ... > t_K (reverse-time sampling; increasing grids work too).
//
//   increment(i, d, k) = sqrt(|t_{k+1} - t_k|) * counter_normal(seed, i, d, k)
//
// so the increments of step k are independent N(0, |t_{k+1} - t_k|). The
// cumulative path is W(t_0) = 0, W(t_{k+1}) = W(t_k) + increment(k).
class BrownianPath {
 public:
  // grid: at least two points, finite, strictly monotone. Throws
  // std::invalid_argument otherwise.
  BrownianPath(std::uint64_t seed, std::vector<double> grid);

  std::uint64_t seed() const { return seed_; }
  const std::vector<double>& grid() const { return grid_; }
  // Number of steps K (the grid has K + 1 points).
  std::size_t steps() const { return grid_.size() - 1; }

  // One increment: sample i, dimension d, step k (0 <= k < steps()).
  double increment(std::uint64_t sample, int d, std::size_t k) const;

  // Increments of step k for samples first_sample .. first_sample + count - 1:
  // dW(d, j) = increment(first_sample + j, d, k); dW is dim x count.
  void fill_step(std::uint64_t first_sample, std::size_t k, Eigen::Ref<Eigen::MatrixXd> dW) const;
  // W(t_k1) - W(t_k0) for k0 <= k1, i.e. the sum of the increments of steps
  // k0 .. k1 - 1 (summed in that order); dW is dim x count.
  void fill_span(std::uint64_t first_sample, std::size_t k0, std::size_t k1, Eigen::Ref<Eigen::MatrixXd> dW) const;

  // All increments of one sample: dim x K, column k = step k.
  Eigen::MatrixXd increments(std::uint64_t sample, int dim) const;
  // The cumulative path of one sample: dim x (K + 1), column k = W(t_k),
  // column 0 = 0. This is what a piecewise-linear source should carry.
  Eigen::MatrixXd cumulative(std::uint64_t sample, int dim) const;

  // Index k with grid()[k] == t up to a tolerance far below the smallest step
  // (1e-9 of the grid span, at most a quarter of the smallest step), or
  // npos if t is not a grid point.
  static constexpr std::size_t npos = ~std::size_t{0};
  std::size_t index_of(double t, std::size_t hint = 0) const;

 private:
  std::uint64_t seed_;
  std::vector<double> grid_;
  std::vector<double> sqrt_dt_;  // sqrt(|t_{k+1} - t_k|)
  double tol_;
  bool decreasing_;
};

// Noise source for the Euler–Maruyama stepper (reference/euler_maruyama.hpp):
// the Brownian increment of samples first_sample + j over a step [t, t + dt]
// of `path`. Both ends must be grid points; a step may span several grid
// steps (a coarse step gets the sum of the fine increments, i.e. the same
// path refined). Throws std::invalid_argument for a step that does not start
// and end on grid points or that runs against the grid's direction.
class BrownianNoise {
 public:
  BrownianNoise(const BrownianPath& path, std::uint64_t first_sample) : path_(&path), first_(first_sample) {}

  // dW must already be dim x count (the stepper sizes it like the state).
  void operator()(double t, double dt, Eigen::MatrixXd& dW);

  const BrownianPath& path() const { return *path_; }
  std::uint64_t first_sample() const { return first_; }

 private:
  const BrownianPath* path_;
  std::uint64_t first_;
  std::size_t hint_ = 0;  // grid index where the last step ended
};

}  // namespace memcosim::sde
