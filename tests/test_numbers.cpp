// util/numbers: each text format of a double. The expected strings are
// written out by hand (printf semantics: %.15g, %.10g, %.17e, %g, %.4g,
// %.3f; shortest round trip for the exact ones), and each format is also
// compared with glibc's printf (what most of the former per-module helpers
// called) over 600000 doubles, random bit patterns and everyday values. The exact formats (weight files, CSV data,
// config values, rawfiles) must read back bit for bit through std::strtod.
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "util/numbers.hpp"

using namespace memcosim;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kMax = std::numeric_limits<double>::max();
constexpr double kDenormMin = std::numeric_limits<double>::denorm_min();

double quiet_nan(bool negative) {
  const double n = std::numeric_limits<double>::quiet_NaN();
  return negative ? std::copysign(n, -1.0) : std::copysign(n, 1.0);
}

std::string printf_text(const char* format, double x) {
  char buf[512];
  std::snprintf(buf, sizeof buf, format, x);
  return buf;
}

// Reproducible doubles spread over every exponent: random bit patterns
// (NaNs skipped, infinities kept), plus values of everyday size.
std::vector<double> sample_doubles() {
  std::vector<double> v = {0.0,
                           -0.0,
                           0.1,
                           0.1 + 0.2,
                           1.0 / 3.0,
                           -2.5e-9,
                           1e-300,
                           kDenormMin,
                           kMax,
                           -kMax,
                           std::numeric_limits<double>::min(),
                           1e15,
                           1e16,
                           1e21,
                           1e22,
                           123456789.0,
                           kInf,
                           -kInf};
  std::mt19937_64 bits(20261203);
  std::mt19937_64 everyday(7);
  std::uniform_real_distribution<double> mantissa(-10.0, 10.0);
  std::uniform_int_distribution<int> exponent(-15, 15);
  while (v.size() < 600000) {
    const double x = std::bit_cast<double>(static_cast<std::uint64_t>(bits()));
    if (!std::isnan(x)) v.push_back(x);
    v.push_back(mantissa(everyday) * std::pow(10.0, exponent(everyday)));
  }
  return v;
}

bool same_double(double a, double b) { return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b); }

}  // namespace

TEST_CASE("numbers: exact_number writes the shortest text that reads back exactly", "[util][numbers]") {
  CHECK(exact_number(0.1) == "0.1");
  CHECK(exact_number(0.1 + 0.2) == "0.30000000000000004");
  CHECK(exact_number(1.0 / 3.0) == "0.3333333333333333");
  CHECK(exact_number(1e-5) == "1e-05");
  CHECK(exact_number(-2.5e-9) == "-2.5e-09");
  CHECK(exact_number(10000.0) == "10000");  // a tie in length goes to fixed notation
  CHECK(exact_number(100000.0) == "1e+05");
  CHECK(exact_number(123456789.0) == "123456789");
  CHECK(exact_number(1e22) == "1e+22");
  CHECK(exact_number(kDenormMin) == "5e-324");
  CHECK(exact_number(kMax) == "1.7976931348623157e+308");
  CHECK(exact_number(-kMax) == "-1.7976931348623157e+308");
  CHECK(exact_number(0.0) == "0");
  CHECK(exact_number(-0.0) == "-0");
  CHECK(exact_number(kInf) == "inf");
  CHECK(exact_number(-kInf) == "-inf");
  CHECK(exact_number(quiet_nan(false)) == "nan");
  CHECK(exact_number(quiet_nan(true)) == "-nan");
}

TEST_CASE("numbers: csv_number is exact_number with every NaN written as nan", "[util][numbers]") {
  CHECK(csv_number(0.1) == "0.1");
  CHECK(csv_number(-2.5e-9) == "-2.5e-09");
  CHECK(csv_number(100000.0) == "1e+05");
  CHECK(csv_number(kDenormMin) == "5e-324");
  CHECK(csv_number(kMax) == "1.7976931348623157e+308");
  CHECK(csv_number(0.0) == "0");
  CHECK(csv_number(-0.0) == "-0");
  CHECK(csv_number(-kInf) == "-inf");
  CHECK(csv_number(quiet_nan(false)) == "nan");
  CHECK(csv_number(quiet_nan(true)) == "nan");
  volatile double zero = 0.0;
  CHECK(csv_number(zero / zero) == "nan");
}

TEST_CASE("numbers: spice_number writes 15 significant digits (%.15g)", "[util][numbers]") {
  CHECK(spice_number(0.1) == "0.1");
  CHECK(spice_number(0.1 + 0.2) == "0.3");
  CHECK(spice_number(1.0 / 3.0) == "0.333333333333333");
  CHECK(spice_number(5e-6) == "5e-06");
  CHECK(spice_number(1e-4) == "0.0001");
  CHECK(spice_number(1e-5) == "1e-05");
  CHECK(spice_number(100000.0) == "100000");
  CHECK(spice_number(1e14) == "100000000000000");
  CHECK(spice_number(1e15) == "1e+15");
  CHECK(spice_number(-2.5e-9) == "-2.5e-09");
  CHECK(spice_number(kMax) == "1.79769313486232e+308");
  CHECK(spice_number(kDenormMin) == "4.94065645841247e-324");
  CHECK(spice_number(0.0) == "0");
  CHECK(spice_number(-0.0) == "-0");
  CHECK(spice_number(kInf) == "inf");
  CHECK(spice_number(-kInf) == "-inf");
  CHECK(spice_number(quiet_nan(false)) == "nan");
}

TEST_CASE("numbers: golden_number writes 10 significant digits (%.10g)", "[util][numbers]") {
  CHECK(golden_number(1.0 / 3.0) == "0.3333333333");
  CHECK(golden_number(123456789012.0) == "1.23456789e+11");
  CHECK(golden_number(1e9) == "1000000000");
  CHECK(golden_number(1e10) == "1e+10");
  CHECK(golden_number(-2.5e-9) == "-2.5e-09");
  CHECK(golden_number(0.0) == "0");
  CHECK(golden_number(-0.0) == "-0");
  CHECK(golden_number(kMax) == "1.797693135e+308");
  CHECK(golden_number(kInf) == "inf");
  CHECK(golden_number(quiet_nan(false)) == "nan");
}

TEST_CASE("numbers: raw_number writes 18 significant digits (%.17e)", "[util][numbers]") {
  CHECK(raw_number(0.1) == "1.00000000000000006e-01");
  CHECK(raw_number(-2.5) == "-2.50000000000000000e+00");
  CHECK(raw_number(1e300) == "1.00000000000000005e+300");
  CHECK(raw_number(kDenormMin) == "4.94065645841246544e-324");
  CHECK(raw_number(0.0) == "0.00000000000000000e+00");
  CHECK(raw_number(-0.0) == "-0.00000000000000000e+00");
  CHECK(raw_number(kInf) == "inf");
  CHECK(raw_number(quiet_nan(false)) == "nan");
}

TEST_CASE("numbers: text_number writes 6 significant digits (%g), as std::ostream does", "[util][numbers]") {
  CHECK(text_number(1e-6) == "1e-06");
  CHECK(text_number(123456.7) == "123457");
  CHECK(text_number(1234567.0) == "1.23457e+06");
  CHECK(text_number(0.5) == "0.5");
  CHECK(text_number(-2.5e-9) == "-2.5e-09");
  CHECK(text_number(0.0) == "0");
  CHECK(text_number(-0.0) == "-0");
  CHECK(text_number(-kInf) == "-inf");
  CHECK(text_number(quiet_nan(false)) == "nan");
  for (double x : {1e-6, 123456.7, 1234567.0, 0.5, -2.5e-9, 0.0, -0.0, 1.0 / 3.0, kMax, -kInf}) {
    std::ostringstream o;
    o << x;
    CHECK(text_number(x) == o.str());
  }
}

TEST_CASE("numbers: short_number writes 4 significant digits (%.4g)", "[util][numbers]") {
  CHECK(short_number(12.3456) == "12.35");
  CHECK(short_number(0.000123456) == "0.0001235");
  CHECK(short_number(123456.0) == "1.235e+05");
  CHECK(short_number(2.5) == "2.5");
  CHECK(short_number(1e-5) == "1e-05");
  CHECK(short_number(-2.5e-9) == "-2.5e-09");
  CHECK(short_number(0.0) == "0");
  CHECK(short_number(-0.0) == "-0");
  CHECK(short_number(kInf) == "inf");
}

TEST_CASE("numbers: fixed3_number writes 3 decimals (%.3f)", "[util][numbers]") {
  CHECK(fixed3_number(1.23456) == "1.235");
  CHECK(fixed3_number(1234.5) == "1234.500");
  CHECK(fixed3_number(-2.5) == "-2.500");
  CHECK(fixed3_number(0.0004) == "0.000");
  CHECK(fixed3_number(0.0) == "0.000");
  CHECK(fixed3_number(1e20) == "100000000000000000000.000");
  CHECK(fixed3_number(kMax).size() == 313);  // 309 digits, the point, 3 decimals
  CHECK(fixed3_number(kInf) == "inf");
  CHECK(fixed3_number(quiet_nan(false)) == "nan");
}

TEST_CASE("numbers: printf_number formats one number through a printf format", "[util][numbers]") {
  CHECK(printf_number("%.1f %%", 12.34) == "12.3 %");
  CHECK(printf_number("%.3g MHz", 2.5) == "2.5 MHz");
  CHECK(printf_number("%.0f", -0.4) == "-0");
  CHECK(printf_number("%.4g J", 1.234567e-12) == "1.235e-12 J");
  // Longer than any fixed buffer: nothing is cut off.
  CHECK(printf_number("%.200f", 1.0) == "1." + std::string(200, '0'));
}

TEST_CASE("numbers: every format matches glibc printf with its stated precision", "[util][numbers]") {
  const auto values = sample_doubles();
  std::size_t mismatches = 0;
  for (double x : values) {
    const bool same = spice_number(x) == printf_text("%.15g", x) && golden_number(x) == printf_text("%.10g", x) &&
                      raw_number(x) == printf_text("%.17e", x) && text_number(x) == printf_text("%g", x) &&
                      short_number(x) == printf_text("%.4g", x) &&
                      (std::abs(x) > 1e100 || fixed3_number(x) == printf_text("%.3f", x));
    if (!same) {
      if (++mismatches <= 5) FAIL_CHECK("formats differ from printf for " << printf_text("%.17g", x));
    }
  }
  CHECK(mismatches == 0);
}

TEST_CASE("numbers: the exact formats read back through strtod bit for bit", "[util][numbers]") {
  // exact_number (weight files, config values), csv_number (CSV and plot
  // data) and raw_number (ASCII rawfiles) are the formats that must be
  // exact; spice_number and golden_number are not (see the last checks).
  const auto values = sample_doubles();
  std::size_t failures = 0;
  for (double x : values) {
    for (const std::string& s : {exact_number(x), csv_number(x), raw_number(x)}) {
      const double back = std::strtod(s.c_str(), nullptr);
      if (!same_double(back, x) && ++failures <= 5)
        FAIL_CHECK(s << " does not read back as " << printf_text("%.17g", x));
    }
  }
  CHECK(failures == 0);
  CHECK(std::isnan(std::strtod(csv_number(quiet_nan(true)).c_str(), nullptr)));
  CHECK(std::strtod(spice_number(0.1 + 0.2).c_str(), nullptr) != 0.1 + 0.2);
  CHECK(std::strtod(golden_number(1.0 / 3.0).c_str(), nullptr) != 1.0 / 3.0);
}
