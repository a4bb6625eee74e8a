// Sparse-view CT for the neural-field task (DESIGN.md §7.3): the analytic
// phantom, its exact parallel-beam projections, filtered back-projection
// (the baseline) and the image metrics.
//
// Geometry. The object lives on the square [-1, 1]^2. Pixel (r, c) of an
// N x N image has its centre at x = -1 + (c + 1/2) 2/N, y = 1 - (r + 1/2) 2/N
// (row 0 at the top). A view at angle theta (equally spaced over [0, pi))
// measures along the rays {p : p . (cos theta, sin theta) = s}, s the
// detector coordinate; detector k of n sits at s_k = (k - (n - 1)/2) d with
// d = 2 sqrt(2) / n, so the detector spans the square's diagonal.
//
// Phantom. Ten ellipses (Shepp & Logan 1974, the table MATLAB's phantom()
// uses: semi-axes a along x and b along y, centre, rotation), each adding its
// intensity inside. The modified variant (Toft 1996) has the higher-contrast
// intensities 1, -0.8, -0.2, -0.2, 0.1 x 6; the original 2, -0.98, -0.02,
// -0.02, 0.01 x 6. The reference image is the box-filtered phantom: the mean
// of supersample^2 point values on a regular sub-grid of each pixel.
//
// Projections are exact: the line integral of an ellipse of intensity rho,
// semi-axes A, B, rotation alpha, centre c is, with s' = s - c.(cos theta,
// sin theta), theta' = theta - alpha, a^2 = A^2 cos^2 theta' + B^2 sin^2 theta':
//   p = 2 rho A B sqrt(a^2 - s'^2) / a^2   for s'^2 <= a^2, else 0
// (Kak & Slaney, eq. 3.47); for a disc of radius r, 2 rho sqrt(r^2 - s^2).
#pragma once

#include <cstdint>
#include <vector>

#include <Eigen/Core>

#include "config/field.hpp"

namespace memcosim::tasks::field {

struct Ellipse {
  double a, b;       // semi-axes along x and y before rotation
  double x0, y0;     // centre
  double phi;        // rotation (radians, counter-clockwise)
  double intensity;  // added inside
};

std::vector<Ellipse> phantom_ellipses(config::PhantomKind kind);

// Sum of the intensities of the ellipses holding (x, y).
double phantom_value(const std::vector<Ellipse>& e, double x, double y);

// The N x N reference image (row 0 at the top), box-filtered by supersample.
Eigen::MatrixXd phantom_image(const std::vector<Ellipse>& e, int resolution, int supersample);

// Pixel centre coordinates of an N x N image.
double pixel_x(int col, int resolution);
double pixel_y(int row, int resolution);

// Exact line integral of the ellipses along the ray (theta, s).
double line_integral(const std::vector<Ellipse>& e, double theta, double s);

struct Sinogram {
  std::vector<double> theta;  // views (radians)
  std::vector<double> s;      // detector centres
  Eigen::MatrixXd p;          // views x detectors
  double spacing() const { return s.size() > 1 ? s[1] - s[0] : 2.0; }
};

// Detector centres of n bins spanning the diagonal (see the file comment).
std::vector<double> detector_positions(int n);
// Views equally spaced over [0, pi).
std::vector<double> view_angles(int n);

// The projections of the config (exact, plus detector noise when
// field.projections.noise > 0, seeded by noise_seed).
Sinogram project(const std::vector<Ellipse>& e, const config::FieldProjectionConfig& cfg, int resolution,
                 std::uint64_t noise_seed);

// Filtered back-projection (Kak & Slaney ch. 3): each view convolved with
// the discrete Ram-Lak kernel h(0) = 1/(4 d^2), h(k odd) = -1/(pi k d)^2,
// h(k even) = 0 (times d), then back-projected with linear interpolation
// between detector bins: f(x, y) = pi / views sum_theta q_theta(x cos theta +
// y sin theta). Evaluated at the pixel centres of an N x N image.
Eigen::MatrixXd filtered_back_projection(const Sinogram& sino, int resolution);

// PSNR (dB) against the reference with peak = max - min of the reference
// (or the given peak, > 0: a part of an image scored with the whole's range).
double psnr(const Eigen::MatrixXd& reference, const Eigen::MatrixXd& image, double peak = 0);
// SSIM (Wang et al. 2004): 11 x 11 Gaussian window, sigma 1.5, K1 = 0.01,
// K2 = 0.03, L = max - min of the reference (or the given range, > 0); the
// mean over the positions where the window fits inside the image.
double ssim(const Eigen::MatrixXd& reference, const Eigen::MatrixXd& image, double range = 0);

}  // namespace memcosim::tasks::field
