#include "nn/dataset.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>

namespace memcosim::nn {

Eigen::MatrixXd sample_ring(double radius_mean, double radius_std, Eigen::Index n, Rng& rng) {
  if (n < 0 || !std::isfinite(radius_mean) || !std::isfinite(radius_std) || radius_std < 0)
    throw std::invalid_argument("sample_ring: need n >= 0, finite radius_mean and radius_std >= 0");
  Eigen::MatrixXd x(2, n);
  for (Eigen::Index j = 0; j < n; ++j) {
    const double r = rng.normal(radius_mean, radius_std);
    const double phi = rng.uniform(0.0, 2.0 * std::numbers::pi);
    x(0, j) = r * std::cos(phi);
    x(1, j) = r * std::sin(phi);
  }
  return x;
}

double LetterStroke::length() const {
  if (radius == 0) return std::hypot(x1 - x0, y1 - y0);
  return radius * std::abs(a1 - a0);
}

Eigen::Vector2d LetterStroke::at(double f) const {
  if (radius == 0) return {x0 + f * (x1 - x0), y0 + f * (y1 - y0)};
  const double a = a0 + f * (a1 - a0);
  return {x0 + radius * std::cos(a), y0 + radius * std::sin(a)};
}

std::vector<LetterStroke> letter_strokes(char letter) {
  constexpr double pi = std::numbers::pi;
  auto seg = [](double x0, double y0, double x1, double y1) { return LetterStroke{x0, y0, x1, y1, 0, 0, 0}; };
  switch (letter) {
    case 'H':
      return {seg(-1, -1, -1, 1), seg(1, -1, 1, 1), seg(-1, 0, 1, 0)};
    // The vertical, then the arm and the leg meeting it at mid-height.
    case 'K':
      return {seg(-0.85, -1, -0.85, 1), seg(-0.85, -0.05, 0.95, 1), seg(-0.55, 0.15, 0.95, -1)};
    // Two verticals down to mid-height, then the bowl (a half ellipse after scaling).
    case 'U':
      return {seg(-1, 1, -1, 0), seg(1, 1, 1, 0), LetterStroke{0, 0, 0, 0, 1.0, pi, 2 * pi}};
    case 'L':
      return {seg(-0.8, 1, -0.8, -1), seg(-0.8, -1, 0.9, -1)};
    case 'T':
      return {seg(-1, 1, 1, 1), seg(0, 1, 0, -1)};
    case 'X':
      return {seg(-1, 1, 1, -1), seg(-1, -1, 1, 1)};
    default:
      break;
  }
  throw std::invalid_argument(std::string("letter_strokes: no strokes for '") + letter +
                              "' (supported: " + std::string(kSupportedLetters) + ")");
}

LetterSamples sample_letters(std::string_view letters, double height, double jitter, Eigen::Index n, Rng& rng,
                             int only_class) {
  if (n < 0 || !(height > 0) || !std::isfinite(height) || !(jitter >= 0) || !std::isfinite(jitter))
    throw std::invalid_argument("sample_letters: need n >= 0, height > 0 and jitter >= 0");
  if (letters.empty()) throw std::invalid_argument("sample_letters: no letters");
  const int classes = static_cast<int>(letters.size());
  if (only_class >= classes) throw std::invalid_argument("sample_letters: class out of range");
  // Per class: strokes and their cumulative length fractions.
  std::vector<std::vector<LetterStroke>> strokes;
  std::vector<std::vector<double>> cumulative;
  for (std::size_t c = 0; c < letters.size(); ++c) {
    if (letters.find(letters[c]) != c)
      throw std::invalid_argument("sample_letters: letter repeated in '" + std::string(letters) + "'");
    strokes.push_back(letter_strokes(letters[c]));
    double total = 0;
    for (const auto& s : strokes.back()) total += s.length();
    std::vector<double> cum;
    double acc = 0;
    for (const auto& s : strokes.back()) cum.push_back((acc += s.length()) / total);
    cum.back() = 1.0;
    cumulative.push_back(std::move(cum));
  }
  const double half_h = 0.5 * height, half_w = 0.375 * height;
  LetterSamples out;
  out.points.resize(2, n);
  out.labels.resize(static_cast<std::size_t>(n));
  for (Eigen::Index j = 0; j < n; ++j) {
    const int c = only_class >= 0 ? only_class : static_cast<int>(rng.below(static_cast<std::uint64_t>(classes)));
    const auto& cum = cumulative[static_cast<std::size_t>(c)];
    const auto& st = strokes[static_cast<std::size_t>(c)];
    // Position along the whole letter by arc length: a stroke, then where on it.
    const double s = rng.uniform();
    std::size_t k = 0;
    while (k + 1 < cum.size() && s >= cum[k]) ++k;
    const double lo = k == 0 ? 0.0 : cum[k - 1];
    const Eigen::Vector2d p = st[k].at((s - lo) / (cum[k] - lo));
    const double jx = rng.normal(), jy = rng.normal();
    out.points(0, j) = half_w * p.x() + jitter * jx;
    out.points(1, j) = half_h * p.y() + jitter * jy;
    out.labels[static_cast<std::size_t>(j)] = c;
  }
  return out;
}

}  // namespace memcosim::nn
