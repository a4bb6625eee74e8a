// Training data sets.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include "util/random.hpp"

namespace memcosim::nn {

// n points of the published ring: radius r ~ N(radius_mean, radius_std^2),
// angle phi ~ U(0, 2 pi), point (r cos phi, r sin phi). Returns a 2 x n
// matrix, one point per column; per point r is drawn before phi.
// Throws std::invalid_argument for n < 0, radius_std < 0 or non-finite values.
Eigen::MatrixXd sample_ring(double radius_mean, double radius_std, Eigen::Index n, Rng& rng);

// Capital letters drawn as point clouds: the conditional task's data set.
//
// Each letter is a set of strokes (line segments and circular arcs) in a box
// of the given height and width 0.75 * height, centred on the origin; a
// point is a position drawn uniformly along the strokes (by arc length) plus
// isotropic Gaussian jitter N(0, jitter^2 I). Class c is letters[c]; every
// letter is centred on the origin, so the class alone decides the shape.
struct LetterStroke {
  // A segment from (x0, y0) to (x1, y1) when radius == 0; otherwise the arc
  // of the circle centred (x0, y0) with that radius from angle a0 to a1
  // (radians, counter-clockwise). Coordinates in units of half the box
  // (the box is [-1, 1]^2 before scaling).
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  double radius = 0, a0 = 0, a1 = 0;
  double length() const;
  // The point at arc-length fraction f in [0, 1].
  Eigen::Vector2d at(double f) const;
};

// The letters sample_letters() can draw.
constexpr std::string_view kSupportedLetters = "HKULTX";
// Strokes of one capital letter; throws std::invalid_argument for one not in
// kSupportedLetters.
std::vector<LetterStroke> letter_strokes(char letter);

struct LetterSamples {
  Eigen::MatrixXd points;   // 2 x n
  std::vector<int> labels;  // n, in [0, letters.size())
};

// n points: per point the class ~ U{0 .. C-1} (C = letters.size()), then its
// position on the strokes, then the jitter. With `only_class` >= 0 every
// point is of that class (no class draw). Throws std::invalid_argument for an
// unsupported or repeated letter, n < 0, height <= 0 or jitter < 0.
LetterSamples sample_letters(std::string_view letters, double height, double jitter, Eigen::Index n, Rng& rng,
                             int only_class = -1);

}  // namespace memcosim::nn
