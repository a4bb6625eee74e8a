#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "sde/schedule.hpp"
#include "util/random.hpp"

using namespace memcosim;

TEST_CASE("Rng: same seed gives the same stream, different seeds differ", "[util]") {
  Rng a(42), b(42), c(43);
  for (int i = 0; i < 100; ++i) {
    const auto x = a.next();
    REQUIRE(x == b.next());
    (void)c;
  }
  Rng d(42), e(43);
  int same = 0;
  for (int i = 0; i < 100; ++i) same += d.next() == e.next();
  REQUIRE(same == 0);
}

TEST_CASE("Rng: normal moments match N(0,1)", "[util]") {
  Rng r(7);
  const int n = 200000;
  double s1 = 0, s2 = 0, s4 = 0;
  for (int i = 0; i < n; ++i) {
    const double z = r.normal();
    s1 += z;
    s2 += z * z;
    s4 += z * z * z * z;
  }
  const double mean = s1 / n, var = s2 / n - mean * mean, kurt = s4 / n;
  // Standard errors: mean 1/sqrt(n)=0.0022, var sqrt(2/n)=0.0032, E z^4 sqrt(96/n)=0.022
  CHECK(std::abs(mean) < 5 * 0.0023);
  CHECK(std::abs(var - 1.0) < 5 * 0.0032);
  CHECK(std::abs(kurt - 3.0) < 5 * 0.022);
}

TEST_CASE("Rng: below() is unbiased over a small range", "[util]") {
  Rng r(3);
  std::vector<int> counts(6, 0);
  const int n = 60000;
  for (int i = 0; i < n; ++i) counts[r.below(6)]++;
  for (int c : counts) CHECK(std::abs(c - n / 6) < 5 * std::sqrt(n / 6.0));
}

TEST_CASE("counter_normal is a pure function with N(0,1) moments", "[util]") {
  REQUIRE(counter_normal(1, 2, 3, 4) == counter_normal(1, 2, 3, 4));
  REQUIRE(counter_normal(1, 2, 3, 4) != counter_normal(1, 2, 3, 5));
  REQUIRE(counter_normal(1, 2, 3, 4) != counter_normal(2, 2, 3, 4));
  const int n = 100000;
  double s1 = 0, s2 = 0;
  for (int i = 0; i < n; ++i) {
    const double z = counter_normal(99, static_cast<std::uint64_t>(i % 100), 0, static_cast<std::uint64_t>(i / 100));
    s1 += z;
    s2 += z * z;
  }
  CHECK(std::abs(s1 / n) < 5 / std::sqrt(double(n)));
  CHECK(std::abs(s2 / n - 1.0) < 5 * std::sqrt(2.0 / n));
}

TEST_CASE("derive_seed separates purposes", "[util]") {
  REQUIRE(derive_seed(1, "data") != derive_seed(1, "init"));
  REQUIRE(derive_seed(1, "data") != derive_seed(2, "data"));
  REQUIRE(derive_seed(1, "data") == derive_seed(1, "data"));
}

TEST_CASE("VpSchedule: marginals and the time warp", "[sde]") {
  const sde::VpSchedule s{0.001, 0.5};
  // B(1) = 0.001 + 0.5 * 0.499 = 0.2505 by hand.
  CHECK(s.integral(1.0) == Approx(0.2505).epsilon(1e-14));
  CHECK(s.alpha(1.0) == Approx(std::exp(-0.2505 / 2)).epsilon(1e-14));
  CHECK(s.variance(1.0) == Approx(1 - std::exp(-0.2505)).epsilon(1e-14));
  // Small t: variance ~ B(t) ~ beta_min t without cancellation.
  CHECK(s.variance(1e-9) == Approx(1e-12).epsilon(1e-6));
  // unwarp inverts warp on [t_end, t_start]. Recovering t from u loses
  // relative precision ~ eps * B(t_start) / B(t) (u is a difference of two
  // integrals), so the bound scales with that conditioning number.
  for (double t : {1e-4, 0.01, 0.3, 0.77, 1.0}) {
    const double u = s.warp(t, 1.0);
    const double cond = s.integral(1.0) / s.integral(t);
    CHECK(s.unwarp(u, 1.0) == Approx(t).epsilon(8 * 2.2e-16 * cond));
  }
  const auto k = s.scaled(2.0);
  CHECK(k.beta(0.5) == Approx(2 * s.beta(0.5)));
}
