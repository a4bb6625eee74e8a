#include "config/si.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <system_error>

namespace memcosim::config {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_unit(std::string_view s) {
  static constexpr std::array<std::string_view, 10> units = {"v", "a", "s", "hz", "f", "h", "ohm", "w", "j", "siemens"};
  const std::string l = lower(s);
  for (auto u : units)
    if (l == u) return true;
  return false;
}

ParsedNumber fail(std::string why) { return {false, 0.0, std::move(why)}; }

}  // namespace

ParsedNumber parse_si(std::string_view text) {
  // Trim surrounding blanks (YAML has already removed most of them).
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  if (text.empty()) return fail("expected a number, got empty text");

  // Numeric part: sign, digits, optional fraction, optional exponent. The
  // exponent is only taken when digits follow, so "1e" is not a number and
  // "5meg" is 5 mega, never 5e(rror).
  std::size_t i = 0;
  if (text[i] == '+' || text[i] == '-') ++i;
  const std::size_t digits_start = i;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  bool any_digit = i > digits_start;
  if (i < text.size() && text[i] == '.') {
    ++i;
    const std::size_t frac = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    any_digit = any_digit || i > frac;
  }
  if (!any_digit) return fail("expected a number, got '" + std::string(text) + "'");
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    std::size_t j = i + 1;
    if (j < text.size() && (text[j] == '+' || text[j] == '-')) ++j;
    const std::size_t exp_digits = j;
    while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
    if (j > exp_digits) i = j;
  }

  double mantissa = 0.0;
  std::string_view num = text.substr(0, i);
  if (!num.empty() && num.front() == '+') num.remove_prefix(1);
  const auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), mantissa);
  if (ec == std::errc::result_out_of_range || !std::isfinite(mantissa))
    return fail("number '" + std::string(text) + "' is out of range");
  if (ec != std::errc() || ptr != num.data() + num.size())
    return fail("expected a number, got '" + std::string(text) + "'");

  std::string_view rest = text.substr(i);
  double scale = 1.0;
  if (!rest.empty()) {
    const std::string l = lower(rest);
    if (l.rfind("meg", 0) == 0) {
      scale = 1e6;
      rest.remove_prefix(3);
    } else if (rest.front() == 'M' &&
               (rest.size() == 1 || !std::isalpha(static_cast<unsigned char>(rest[1])) || is_unit(rest.substr(1)))) {
      return fail("ambiguous suffix 'M' in '" + std::string(text) +
                  "': write 'm' for milli (1e-3) or 'meg' for mega (1e6)");
    } else {
      switch (l.front()) {
        case 'f':
          scale = 1e-15;
          break;
        case 'p':
          scale = 1e-12;
          break;
        case 'n':
          scale = 1e-9;
          break;
        case 'u':
          scale = 1e-6;
          break;
        case 'm':
          scale = 1e-3;
          break;
        case 'k':
          scale = 1e3;
          break;
        case 'g':
          scale = 1e9;
          break;
        case 't':
          scale = 1e12;
          break;
        default:
          scale = 0.0;
      }
      if (scale != 0.0) {
        rest.remove_prefix(1);
      } else if (rest.rfind("\xC2\xB5", 0) == 0 || rest.rfind("\xCE\xBC", 0) == 0) {  // µ or μ
        scale = 1e-6;
        rest.remove_prefix(2);
      } else {
        scale = 1.0;  // no scale; maybe a bare unit
      }
    }
    // A scale letter that is really a unit on its own ("1F" is femto in
    // SPICE and stays femto here), then an optional unit.
    if (!rest.empty() && !is_unit(rest))
      return fail("unknown suffix '" + std::string(text.substr(i)) + "' in '" + std::string(text) +
                  "' (scale f p n u m k meg g t, then optionally a unit V A s Hz F H Ohm S W J)");
  }

  const double value = mantissa * scale;
  if (!std::isfinite(value)) return fail("number '" + std::string(text) + "' is out of range");
  return {true, value, {}};
}

}  // namespace memcosim::config
