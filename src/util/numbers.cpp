#include "util/numbers.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <system_error>

namespace memcosim {

namespace {

// std::to_chars with a precision is printf's "%.*e", "%.*f" or "%.*g" in
// the C locale. 400 characters hold any double in every format used here
// (fixed notation of 1.8e308 with 3 decimals is 314).
std::string chars(double x, std::chars_format format, int precision) {
  std::array<char, 400> buf{};
  const auto [ptr, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), x, format, precision);
  return ec == std::errc() ? std::string(buf.data(), ptr) : std::string("nan");
}

}  // namespace

std::string exact_number(double x) {
  std::array<char, 64> buf{};
  const auto [ptr, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), x);
  return ec == std::errc() ? std::string(buf.data(), ptr) : std::string("nan");
}

std::string csv_number(double x) { return std::isnan(x) ? std::string("nan") : exact_number(x); }

std::string spice_number(double x) { return chars(x, std::chars_format::general, 15); }

std::string golden_number(double x) { return chars(x, std::chars_format::general, 10); }

std::string raw_number(double x) { return chars(x, std::chars_format::scientific, 17); }

std::string text_number(double x) { return chars(x, std::chars_format::general, 6); }

std::string short_number(double x) { return chars(x, std::chars_format::general, 4); }

std::string fixed3_number(double x) { return chars(x, std::chars_format::fixed, 3); }

std::string printf_number(const char* format, double x) {
  std::array<char, 128> buf{};
  const int n = std::snprintf(buf.data(), buf.size(), format, x);
  if (n < 0) return {};
  if (static_cast<std::size_t>(n) < buf.size()) return std::string(buf.data(), static_cast<std::size_t>(n));
  std::string out(static_cast<std::size_t>(n) + 1, '\0');
  std::snprintf(out.data(), out.size(), format, x);
  out.resize(static_cast<std::size_t>(n));
  return out;
}

}  // namespace memcosim
