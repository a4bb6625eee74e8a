#include "tasks/field/ct.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "util/random.hpp"

namespace memcosim::tasks::field {

namespace {
constexpr double kPi = std::numbers::pi;
double deg(double d) { return d * kPi / 180.0; }
}  // namespace

std::vector<Ellipse> phantom_ellipses(config::PhantomKind kind) {
  // a, b, x0, y0, phi (degrees) as in MATLAB's phantom().
  struct Row {
    double a, b, x0, y0, phi, modified, original;
  };
  static constexpr Row rows[] = {
      {0.69, 0.92, 0.0, 0.0, 0.0, 1.0, 2.0},       {0.6624, 0.8740, 0.0, -0.0184, 0.0, -0.8, -0.98},
      {0.11, 0.31, 0.22, 0.0, -18.0, -0.2, -0.02}, {0.16, 0.41, -0.22, 0.0, 18.0, -0.2, -0.02},
      {0.21, 0.25, 0.0, 0.35, 0.0, 0.1, 0.01},     {0.046, 0.046, 0.0, 0.1, 0.0, 0.1, 0.01},
      {0.046, 0.046, 0.0, -0.1, 0.0, 0.1, 0.01},   {0.046, 0.023, -0.08, -0.605, 0.0, 0.1, 0.01},
      {0.023, 0.023, 0.0, -0.606, 0.0, 0.1, 0.01}, {0.023, 0.046, 0.06, -0.605, 0.0, 0.1, 0.01},
  };
  std::vector<Ellipse> e;
  for (const Row& r : rows)
    e.push_back({r.a, r.b, r.x0, r.y0, deg(r.phi),
                 kind == config::PhantomKind::modified_shepp_logan ? r.modified : r.original});
  return e;
}

double phantom_value(const std::vector<Ellipse>& e, double x, double y) {
  double v = 0;
  for (const Ellipse& el : e) {
    const double dx = x - el.x0, dy = y - el.y0;
    const double c = std::cos(el.phi), s = std::sin(el.phi);
    const double u = c * dx + s * dy, w = -s * dx + c * dy;
    if ((u * u) / (el.a * el.a) + (w * w) / (el.b * el.b) <= 1.0) v += el.intensity;
  }
  return v;
}

double pixel_x(int col, int n) { return -1.0 + (col + 0.5) * 2.0 / n; }
double pixel_y(int row, int n) { return 1.0 - (row + 0.5) * 2.0 / n; }

Eigen::MatrixXd phantom_image(const std::vector<Ellipse>& e, int n, int ss) {
  Eigen::MatrixXd img(n, n);
  const double h = 2.0 / n;
  for (int r = 0; r < n; ++r)
    for (int c = 0; c < n; ++c) {
      double sum = 0;
      for (int i = 0; i < ss; ++i)
        for (int j = 0; j < ss; ++j)
          sum += phantom_value(e, -1.0 + c * h + (j + 0.5) * h / ss, 1.0 - r * h - (i + 0.5) * h / ss);
      img(r, c) = sum / (ss * ss);
    }
  return img;
}

double line_integral(const std::vector<Ellipse>& e, double theta, double s) {
  double p = 0;
  const double ct = std::cos(theta), st = std::sin(theta);
  for (const Ellipse& el : e) {
    const double sp = s - (el.x0 * ct + el.y0 * st);
    const double tp = theta - el.phi;
    const double a2 = el.a * el.a * std::cos(tp) * std::cos(tp) + el.b * el.b * std::sin(tp) * std::sin(tp);
    if (sp * sp <= a2) p += 2.0 * el.intensity * el.a * el.b * std::sqrt(a2 - sp * sp) / a2;
  }
  return p;
}

std::vector<double> detector_positions(int n) {
  std::vector<double> s(static_cast<std::size_t>(n));
  const double d = 2.0 * std::numbers::sqrt2 / n;
  for (int k = 0; k < n; ++k) s[static_cast<std::size_t>(k)] = (k - (n - 1) / 2.0) * d;
  return s;
}

std::vector<double> view_angles(int n) {
  std::vector<double> t(static_cast<std::size_t>(n));
  for (int k = 0; k < n; ++k) t[static_cast<std::size_t>(k)] = kPi * k / n;
  return t;
}

Sinogram project(const std::vector<Ellipse>& e, const config::FieldProjectionConfig& cfg, int resolution,
                 std::uint64_t noise_seed) {
  Sinogram sino;
  const int n = cfg.detectors > 0 ? cfg.detectors : static_cast<int>(std::ceil(std::numbers::sqrt2 * resolution));
  sino.theta = view_angles(cfg.angles);
  sino.s = detector_positions(n);
  sino.p.resize(cfg.angles, n);
  for (int v = 0; v < cfg.angles; ++v)
    for (int k = 0; k < n; ++k)
      sino.p(v, k) = line_integral(e, sino.theta[static_cast<std::size_t>(v)], sino.s[static_cast<std::size_t>(k)]);
  if (cfg.noise > 0) {
    const double sd = cfg.noise * sino.p.cwiseAbs().maxCoeff();
    for (int v = 0; v < cfg.angles; ++v)
      for (int k = 0; k < n; ++k)
        sino.p(v, k) +=
            sd * counter_normal(noise_seed, static_cast<std::uint64_t>(v), static_cast<std::uint64_t>(k), 0);
  }
  return sino;
}

Eigen::MatrixXd filtered_back_projection(const Sinogram& sino, int resolution) {
  const Eigen::Index views = sino.p.rows(), n = sino.p.cols();
  const double d = sino.spacing();
  // Ram-Lak kernel for offsets -(n-1) .. n-1, times d (the convolution sum's step).
  std::vector<double> h(static_cast<std::size_t>(2 * n - 1));
  for (Eigen::Index k = -(n - 1); k <= n - 1; ++k) {
    double v = 0;
    if (k == 0)
      v = 1.0 / (4 * d * d);
    else if (k % 2 != 0)
      v = -1.0 / (kPi * kPi * static_cast<double>(k * k) * d * d);
    h[static_cast<std::size_t>(k + n - 1)] = v * d;
  }
  Eigen::MatrixXd q = Eigen::MatrixXd::Zero(views, n);
  for (Eigen::Index v = 0; v < views; ++v)
    for (Eigen::Index i = 0; i < n; ++i) {
      double acc = 0;
      for (Eigen::Index j = 0; j < n; ++j) acc += h[static_cast<std::size_t>(i - j + n - 1)] * sino.p(v, j);
      q(v, i) = acc;
    }
  Eigen::MatrixXd img = Eigen::MatrixXd::Zero(resolution, resolution);
  const double s0 = sino.s.front();
  for (Eigen::Index v = 0; v < views; ++v) {
    const double ct = std::cos(sino.theta[static_cast<std::size_t>(v)]),
                 st = std::sin(sino.theta[static_cast<std::size_t>(v)]);
    for (int r = 0; r < resolution; ++r)
      for (int c = 0; c < resolution; ++c) {
        const double pos = (pixel_x(c, resolution) * ct + pixel_y(r, resolution) * st - s0) / d;
        const double fl = std::floor(pos);
        const Eigen::Index i = static_cast<Eigen::Index>(fl);
        const double w = pos - fl;
        double val = 0;
        if (i >= 0 && i < n) val += (1 - w) * q(v, i);
        if (i + 1 >= 0 && i + 1 < n) val += w * q(v, i + 1);
        img(r, c) += val;
      }
  }
  return img * (kPi / static_cast<double>(views));
}

double psnr(const Eigen::MatrixXd& ref, const Eigen::MatrixXd& img, double given_peak) {
  if (ref.rows() != img.rows() || ref.cols() != img.cols()) throw std::invalid_argument("psnr: sizes differ");
  const double peak = given_peak > 0 ? given_peak : ref.maxCoeff() - ref.minCoeff();
  const double mse = (ref - img).squaredNorm() / static_cast<double>(ref.size());
  return 10.0 * std::log10(peak * peak / mse);
}

double ssim(const Eigen::MatrixXd& ref, const Eigen::MatrixXd& img, double range) {
  if (ref.rows() != img.rows() || ref.cols() != img.cols()) throw std::invalid_argument("ssim: sizes differ");
  constexpr int R = 5;  // 11 x 11
  double w[2 * R + 1][2 * R + 1], wsum = 0;
  for (int i = -R; i <= R; ++i)
    for (int j = -R; j <= R; ++j) wsum += (w[i + R][j + R] = std::exp(-(i * i + j * j) / (2 * 1.5 * 1.5)));
  const double L = range > 0 ? range : ref.maxCoeff() - ref.minCoeff();
  const double c1 = (0.01 * L) * (0.01 * L), c2 = (0.03 * L) * (0.03 * L);
  double total = 0;
  long count = 0;
  for (Eigen::Index r = R; r + R < ref.rows(); ++r)
    for (Eigen::Index c = R; c + R < ref.cols(); ++c) {
      double mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0;
      for (int i = -R; i <= R; ++i)
        for (int j = -R; j <= R; ++j) {
          const double wk = w[i + R][j + R] / wsum, x = ref(r + i, c + j), y = img(r + i, c + j);
          mx += wk * x;
          my += wk * y;
          sxx += wk * x * x;
          syy += wk * y * y;
          sxy += wk * x * y;
        }
      sxx -= mx * mx;
      syy -= my * my;
      sxy -= mx * my;
      total += ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2));
      ++count;
    }
  if (count == 0) throw std::invalid_argument("ssim: the image is smaller than the 11 x 11 window");
  return total / static_cast<double>(count);
}

}  // namespace memcosim::tasks::field
