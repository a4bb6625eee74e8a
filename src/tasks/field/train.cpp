#include "tasks/field/train.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <limits>
#include <ostream>

#include "nn/optimizer.hpp"
#include "util/random.hpp"

namespace memcosim::tasks::field {

bool ray_chord(double theta, double s, double& t0, double& t1) {
  const double c = std::cos(theta), sn = std::sin(theta);
  // p(t) = (s c - t sn, s sn + t c); each coordinate in [-1, 1].
  double lo = -std::numeric_limits<double>::infinity(), hi = std::numeric_limits<double>::infinity();
  auto clip = [&](double base, double slope) {
    if (std::abs(slope) < 1e-15) return std::abs(base) <= 1.0;
    double a = (-1.0 - base) / slope, b = (1.0 - base) / slope;
    if (a > b) std::swap(a, b);
    lo = std::max(lo, a);
    hi = std::min(hi, b);
    return true;
  };
  if (!clip(s * c, -sn) || !clip(s * sn, c)) return false;
  if (!(hi > lo)) return false;
  t0 = lo;
  t1 = hi;
  return true;
}

namespace {

struct Ray {
  double theta, s, t0, t1, measured;
};

std::vector<Ray> usable_rays(const Sinogram& sino) {
  std::vector<Ray> rays;
  for (std::size_t v = 0; v < sino.theta.size(); ++v)
    for (std::size_t k = 0; k < sino.s.size(); ++k) {
      Ray r{sino.theta[v], sino.s[k], 0, 0, sino.p(static_cast<Eigen::Index>(v), static_cast<Eigen::Index>(k))};
      if (ray_chord(r.theta, r.s, r.t0, r.t1)) rays.push_back(r);
    }
  return rays;
}

}  // namespace

TrainReport train_field(Field& f, const Sinogram& sino, const config::FieldTrainConfig& cfg, std::uint64_t seed,
                        std::ostream& log, int log_every) {
  const auto start = std::chrono::steady_clock::now();
  f.net = nn::Mlp(nn::MlpShape{f.encoder.features(), cfg.hidden, 1});
  Rng init(derive_seed(seed, "init"));
  f.net.init(init);
  Rng draw(derive_seed(seed, "rays"));
  const std::vector<Ray> rays = usable_rays(sino);
  if (rays.empty()) throw std::invalid_argument("train_field: no ray crosses the image square");
  const int R = cfg.rays, S = cfg.samples;
  Eigen::MatrixXd points(2, static_cast<Eigen::Index>(R) * S), out(1, points.cols()), gy(1, points.cols());
  std::vector<double> weight(static_cast<std::size_t>(R)), target(static_cast<std::size_t>(R));
  nn::Mlp::Tape tape;
  nn::AdamState adam(f.net.num_params());
  nn::AdamOptions ao;
  ao.weight_decay = cfg.weight_decay;
  Eigen::VectorXd theta = f.net.params(), grad(theta.size());
  std::deque<double> recent;
  TrainReport rep;
  for (int step = 0; step < cfg.steps; ++step) {
    for (int r = 0; r < R; ++r) {
      const Ray& ray = rays[static_cast<std::size_t>(draw.below(rays.size()))];
      const double c = std::cos(ray.theta), sn = std::sin(ray.theta), len = ray.t1 - ray.t0;
      for (int k = 0; k < S; ++k) {
        const double t = ray.t0 + len * (k + draw.uniform()) / S;
        points(0, static_cast<Eigen::Index>(r) * S + k) = ray.s * c - t * sn;
        points(1, static_cast<Eigen::Index>(r) * S + k) = ray.s * sn + t * c;
      }
      weight[static_cast<std::size_t>(r)] = len / S;
      target[static_cast<std::size_t>(r)] = ray.measured;
    }
    f.net.forward(encode(f.encoder.B, points), out, tape);
    double loss = 0;
    for (int r = 0; r < R; ++r) {
      const double w = weight[static_cast<std::size_t>(r)];
      const double pred = w * out.block(0, static_cast<Eigen::Index>(r) * S, 1, S).sum();
      const double diff = pred - target[static_cast<std::size_t>(r)];
      loss += diff * diff / R;
      gy.block(0, static_cast<Eigen::Index>(r) * S, 1, S).setConstant(2.0 * diff * w / R);
    }
    grad.setZero();
    f.net.backward(tape, gy, grad, nullptr);
    const double frac = cfg.steps > 1 ? static_cast<double>(step) / (cfg.steps - 1) : 0.0;
    const double lr = cfg.learning_rate * std::pow(cfg.final_learning_rate / cfg.learning_rate, frac);
    adam.step(theta, grad, lr, ao);
    f.net.set_params(theta);
    recent.push_back(loss);
    if (recent.size() > 50) recent.pop_front();
    if (log_every > 0 && ((step + 1) % log_every == 0 || step + 1 == cfg.steps))
      log << "  step " << step + 1 << "/" << cfg.steps << "  loss " << loss << "  lr " << lr << "\n" << std::flush;
  }
  for (double l : recent) rep.final_loss += l / static_cast<double>(recent.size());
  rep.steps = cfg.steps;
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return rep;
}

}  // namespace memcosim::tasks::field
