// Deterministic random numbers.
//
// The standard library's distributions are implementation-defined, so a seed
// would not give the same numbers with another standard library. Everything
// random in memcosim (data sets, initial weights, training noise, initial
// states, Brownian paths, device variation) goes through this file instead:
// xoshiro256** for streams, SplitMix64 for seeding and hashing, Box–Muller for
// normals. Same seed, same numbers, in every process on every machine with
// IEEE doubles and a correctly rounded libm (glibc).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include <Eigen/Core>

namespace memcosim {

// SplitMix64 finaliser: a bijective 64-bit mixer, good enough as a hash.
std::uint64_t mix64(std::uint64_t x);

// A seed for one purpose derived from a master seed, so that adding a new
// consumer of randomness never shifts the numbers another one sees.
// derive_seed(s, "init") != derive_seed(s, "data") for every s.
std::uint64_t derive_seed(std::uint64_t seed, std::string_view purpose);

// Sequential generator (xoshiro256**). Also a UniformRandomBitGenerator.
class Rng {
 public:
  using result_type = std::uint64_t;

  explicit Rng(std::uint64_t seed, std::uint64_t stream = 0);

  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return ~result_type{0}; }
  result_type operator()() { return next(); }

  std::uint64_t next();
  // Uniform in [0, 1) with 53 random bits.
  double uniform();
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [0, n), unbiased. n must be > 0.
  std::uint64_t below(std::uint64_t n);
  // Standard normal.
  double normal();
  double normal(double mean, double sd) { return mean + sd * normal(); }

  template <class Derived>
  void fill_normal(Eigen::DenseBase<Derived>& m) {
    for (Eigen::Index j = 0; j < m.cols(); ++j)
      for (Eigen::Index i = 0; i < m.rows(); ++i) m(i, j) = normal();
  }
  template <class Derived>
  void fill_uniform(Eigen::DenseBase<Derived>& m, double lo, double hi) {
    for (Eigen::Index j = 0; j < m.cols(); ++j)
      for (Eigen::Index i = 0; i < m.rows(); ++i) m(i, j) = uniform(lo, hi);
  }

  // Fisher–Yates shuffle (std::shuffle's algorithm is unspecified).
  template <class T>
  void shuffle(std::vector<T>& v) {
    for (std::size_t i = v.size(); i > 1; --i) {
      const std::size_t j = static_cast<std::size_t>(below(i));
      std::swap(v[i - 1], v[j]);
    }
  }

 private:
  std::uint64_t s_[4];
  double spare_ = 0.0;
  bool has_spare_ = false;
};

// Counter-based standard normal: a pure function of its arguments, so any
// element of a large random array (e.g. the Brownian increment of sample i,
// dimension d, step k) can be regenerated alone, in any order, in any process.
double counter_normal(std::uint64_t seed, std::uint64_t a, std::uint64_t b, std::uint64_t c);
// Counter-based uniform in [0, 1).
double counter_uniform(std::uint64_t seed, std::uint64_t a, std::uint64_t b, std::uint64_t c);

}  // namespace memcosim
