#include "tasks/twin/train.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <numbers>
#include <numeric>
#include <stdexcept>

#include "util/random.hpp"

namespace memcosim::tasks::twin {

namespace {

// Interval index of the held drive at t (right-continuous) and just before t.
long hold_index(double t, double period) { return static_cast<long>(std::floor(t / period + 1e-9)); }
long hold_index_left(double t, double period) { return static_cast<long>(std::ceil(t / period - 1e-9)) - 1; }

double cosine_lr(double lr0, double final_fraction, long step, long total) {
  if (final_fraction == 1.0 || total < 2) return lr0;
  const double f = static_cast<double>(step) / static_cast<double>(total - 1);
  return lr0 * (final_fraction + 0.5 * (1.0 - final_fraction) * (1.0 + std::cos(std::numbers::pi * f)));
}

// theta * m into the working network (weight noise), or theta itself.
void load_noisy(nn::Mlp& work, const Eigen::VectorXd& theta, const Eigen::VectorXd* mult) {
  if (mult)
    work.set_params(theta.cwiseProduct(*mult));
  else
    work.set_params(theta);
}

}  // namespace

void TwinTrainOptions::validate() const {
  std::vector<std::string> p;
  if (derivative_epochs < 0) p.push_back("derivative_epochs must be >= 0");
  if (batch_size < 1) p.push_back("batch_size must be >= 1");
  if (!(learning_rate > 0)) p.push_back("learning_rate must be > 0");
  if (trajectory_steps < 0) p.push_back("trajectory_steps must be >= 0");
  if (window < 1) p.push_back("window must be >= 1");
  if (stride < 1) p.push_back("stride must be >= 1");
  if (windows_per_step < 1) p.push_back("windows_per_step must be >= 1");
  if (!(trajectory_learning_rate > 0)) p.push_back("trajectory_learning_rate must be > 0");
  if (!(final_fraction > 0 && final_fraction <= 1)) p.push_back("final_fraction must be in (0, 1]");
  if (p.empty()) return;
  std::string msg = "invalid twin training options:";
  for (const auto& s : p) msg += "\n  " + s;
  throw std::invalid_argument(msg);
}

DerivativeSamples derivative_samples(const Records& records) {
  const int dim = records.dim(), in = records.input_dim();
  const double dt = records.dt, period = records.update_period;
  std::vector<std::pair<std::size_t, Eigen::Index>> keep;
  for (std::size_t r = 0; r < records.x.size(); ++r)
    for (Eigen::Index j = 2; j + 2 < records.x[r].cols(); ++j) {
      const double a = static_cast<double>(j - 2) * dt, b = static_cast<double>(j + 2) * dt;
      // The stencil must lie inside one hold interval (the derivative jumps at a corner).
      if (period > 0 && hold_index(a, period) != hold_index_left(b, period)) continue;
      keep.emplace_back(r, j);
    }
  DerivativeSamples s;
  const auto m = static_cast<Eigen::Index>(keep.size());
  s.inputs.resize(dim + in, m);
  s.targets.resize(dim, m);
  for (Eigen::Index k = 0; k < m; ++k) {
    const auto [r, j] = keep[static_cast<std::size_t>(k)];
    const Eigen::MatrixXd& x = records.x[r];
    s.inputs.col(k).head(dim) = x.col(j);
    if (in > 0) s.inputs.col(k).tail(in) = records.u[r].col(j);
    s.targets.col(k) = (-x.col(j + 2) + 8.0 * x.col(j + 1) - 8.0 * x.col(j - 1) + x.col(j - 2)) / (12.0 * dt);
  }
  return s;
}

double trajectory_loss(const nn::Mlp& net, const Records& records, const std::vector<std::pair<int, int>>& windows,
                       int window, int stride, const Eigen::VectorXd& state_scale, Eigen::Ref<Eigen::VectorXd> grad) {
  const int dim = records.dim(), in = records.input_dim();
  const auto B = static_cast<Eigen::Index>(windows.size());
  const double h = stride * records.dt;
  const auto K = static_cast<std::size_t>(window);
  // Forward: states x_k (dim x B), the held inputs per step, the four stage tapes per step.
  std::vector<Eigen::MatrixXd> xs(K + 1, Eigen::MatrixXd(dim, B)), target(K + 1, Eigen::MatrixXd(dim, B));
  std::vector<Eigen::MatrixXd> us(K, Eigen::MatrixXd(in, B));
  for (Eigen::Index c = 0; c < B; ++c) {
    const auto [r, j0] = windows[static_cast<std::size_t>(c)];
    const Eigen::MatrixXd& x = records.x[static_cast<std::size_t>(r)];
    if (j0 < 0 || j0 + window * stride >= x.cols())
      throw std::invalid_argument("trajectory_loss: window outside its record");
    for (std::size_t k = 0; k <= K; ++k) target[k].col(c) = x.col(j0 + static_cast<Eigen::Index>(k) * stride);
    for (std::size_t k = 0; k < K && in > 0; ++k)
      us[k].col(c) = records.u[static_cast<std::size_t>(r)].col(j0 + static_cast<Eigen::Index>(k) * stride);
  }
  xs[0] = target[0];
  std::vector<std::array<nn::Mlp::Tape, 4>> tapes(K);
  std::vector<std::array<Eigen::MatrixXd, 4>> a(K);
  Eigen::MatrixXd z(dim + in, B);
  for (std::size_t k = 0; k < K; ++k) {
    if (in > 0) z.bottomRows(in) = us[k];
    static constexpr double c_in[4] = {0.0, 0.5, 0.5, 1.0};
    for (int s = 0; s < 4; ++s) {
      z.topRows(dim) = s == 0 ? xs[k] : Eigen::MatrixXd(xs[k] + c_in[s] * h * a[k][s - 1]);
      a[k][s].resize(dim, B);
      net.forward(z, a[k][s], tapes[k][s]);
    }
    xs[k + 1] = xs[k] + (h / 6.0) * (a[k][0] + 2.0 * a[k][1] + 2.0 * a[k][2] + a[k][3]);
  }
  const Eigen::ArrayXd inv_s2 = state_scale.array().square().inverse();
  const double norm = 1.0 / (static_cast<double>(B) * static_cast<double>(K) * dim);
  double loss = 0.0;
  for (std::size_t k = 1; k <= K; ++k) loss += ((xs[k] - target[k]).array().square().colwise() * inv_s2).sum();
  loss *= norm;
  if (grad.size() == 0) return loss;

  // Backward through the RK4 steps.
  grad.setZero();
  Eigen::MatrixXd lambda = Eigen::MatrixXd::Zero(dim, B), gin;
  for (std::size_t k = K; k-- > 0;) {
    lambda += (2.0 * norm) * ((xs[k + 1] - target[k + 1]).array().colwise() * inv_s2).matrix();
    Eigen::MatrixXd gx = lambda;  // dL/dx_k, accumulated below
    std::array<Eigen::MatrixXd, 4> ga;
    ga[0] = (h / 6.0) * lambda;
    ga[1] = (h / 3.0) * lambda;
    ga[2] = (h / 3.0) * lambda;
    ga[3] = (h / 6.0) * lambda;
    static constexpr double c_in[4] = {0.0, 0.5, 0.5, 1.0};
    for (int s = 3; s >= 0; --s) {
      net.backward(tapes[k][s], ga[s], grad, &gin);
      const auto gxs = gin.topRows(dim);
      gx += gxs;
      if (s > 0) ga[s - 1] += (c_in[s] * h) * gxs;
    }
    lambda = gx;
  }
  return loss;
}

TwinTrainResult train_twin(nn::Mlp& net, const Records& records, const TwinTrainOptions& opt,
                           const std::function<void(int, int, double)>& progress) {
  opt.validate();
  const int dim = records.dim(), in = records.input_dim();
  if (records.x.empty() || net.input_dim() != dim + in || net.output_dim() != dim)
    throw std::invalid_argument("train_twin: the network must map [x; u] (" + std::to_string(dim + in) +
                                ") to dx/dt (" + std::to_string(dim) + ")");
  const auto started = std::chrono::steady_clock::now();
  const DerivativeSamples data = derivative_samples(records);
  const Eigen::Index M = data.inputs.cols();
  if (M == 0) throw std::invalid_argument("train_twin: no derivative samples (records too short or dt too coarse)");

  // Normalisation from the data.
  auto stdev = [](const Eigen::MatrixXd& m) {
    const Eigen::VectorXd mean = m.rowwise().mean();
    return Eigen::VectorXd(((m.colwise() - mean).rowwise().squaredNorm() / static_cast<double>(m.cols())).cwiseSqrt());
  };
  net.input_offset() = data.inputs.rowwise().mean();
  net.input_scale() = stdev(data.inputs).cwiseMax(1e-12);
  net.output_scale() = stdev(data.targets).cwiseMax(1e-12);
  Rng init_rng(derive_seed(opt.seed, "init"));
  net.init(init_rng);
  Rng shuffle_rng(derive_seed(opt.seed, "shuffle"));
  Rng weight_rng(derive_seed(opt.seed, "weight-noise"));
  Rng window_rng(derive_seed(opt.seed, "windows"));

  const Eigen::Index P = net.num_params();
  Eigen::VectorXd theta = net.params(), grad(P), mult(P);
  nn::Mlp work = net;
  const bool noisy = opt.weight_noise.enabled;
  TwinTrainResult result;

  // Stage 1: derivative matching.
  {
    nn::AdamState adam(P);
    const Eigen::Index B = std::min<Eigen::Index>(opt.batch_size, M);
    const long total = static_cast<long>(opt.derivative_epochs) * ((M + B - 1) / B);
    std::vector<Eigen::Index> order(static_cast<std::size_t>(M));
    std::iota(order.begin(), order.end(), Eigen::Index{0});
    Eigen::MatrixXd xb(dim + in, B), tb(dim, B), yb(dim, B);
    const Eigen::ArrayXd inv_s2 = net.output_scale().array().square().inverse();
    nn::Mlp::Tape tape;
    for (int epoch = 1; epoch <= opt.derivative_epochs; ++epoch) {
      shuffle_rng.shuffle(order);
      double sum = 0.0;
      for (Eigen::Index first = 0; first < M; first += B) {
        const Eigen::Index nb = std::min(B, M - first);
        for (Eigen::Index j = 0; j < nb; ++j) {
          const Eigen::Index i = order[static_cast<std::size_t>(first + j)];
          xb.col(j) = data.inputs.col(i);
          tb.col(j) = data.targets.col(i);
        }
        if (noisy) nn::sample_weight_noise(opt.weight_noise, weight_rng, mult);
        load_noisy(work, theta, noisy ? &mult : nullptr);
        auto y = yb.leftCols(nb);
        work.forward(xb.leftCols(nb), y, tape);
        const Eigen::ArrayXXd diff = (y - tb.leftCols(nb)).array();
        const double scale = 1.0 / (static_cast<double>(nb) * dim);
        sum += (diff.square().colwise() * inv_s2).sum() * scale * static_cast<double>(nb);
        const Eigen::MatrixXd gy = (2.0 * scale) * (diff.colwise() * inv_s2).matrix();
        grad.setZero();
        work.backward(tape, gy, grad, nullptr);
        if (noisy) grad.array() *= mult.array();
        adam.step(theta, grad, cosine_lr(opt.learning_rate, opt.final_fraction, adam.steps(), total), opt.adam);
        ++result.steps;
      }
      result.derivative_loss.push_back(sum / static_cast<double>(M));
      if (progress) progress(1, epoch, result.derivative_loss.back());
    }
  }

  // Stage 2: trajectory fitting through unrolled RK4.
  if (opt.trajectory_steps > 0) {
    Eigen::VectorXd state_scale(dim);
    {
      Eigen::VectorXd sum = Eigen::VectorXd::Zero(dim), sq = Eigen::VectorXd::Zero(dim);
      double count = 0;
      for (const auto& x : records.x) {
        sum += x.rowwise().sum();
        sq += x.rowwise().squaredNorm();
        count += static_cast<double>(x.cols());
      }
      const Eigen::VectorXd mean = sum / count;
      state_scale = (sq / count - mean.cwiseAbs2()).cwiseMax(1e-24).cwiseSqrt();
    }
    const Eigen::Index span = static_cast<Eigen::Index>(opt.window) * opt.stride;
    std::vector<int> usable;
    for (std::size_t r = 0; r < records.x.size(); ++r)
      if (records.x[r].cols() > span) usable.push_back(static_cast<int>(r));
    if (usable.empty()) throw std::invalid_argument("train_twin: every record is shorter than one stage-2 window");
    nn::AdamState adam(P);
    std::vector<std::pair<int, int>> windows(static_cast<std::size_t>(opt.windows_per_step));
    for (int step = 1; step <= opt.trajectory_steps; ++step) {
      for (auto& w : windows) {
        const int r = usable[static_cast<std::size_t>(window_rng.below(usable.size()))];
        const auto starts = static_cast<std::uint64_t>(records.x[static_cast<std::size_t>(r)].cols() - span);
        w = {r, static_cast<int>(window_rng.below(starts))};
      }
      if (noisy) nn::sample_weight_noise(opt.weight_noise, weight_rng, mult);
      load_noisy(work, theta, noisy ? &mult : nullptr);
      const double loss = trajectory_loss(work, records, windows, opt.window, opt.stride, state_scale, grad);
      if (noisy) grad.array() *= mult.array();
      adam.step(theta, grad,
                cosine_lr(opt.trajectory_learning_rate, opt.final_fraction, adam.steps(), opt.trajectory_steps),
                opt.adam);
      ++result.steps;
      result.trajectory_loss.push_back(loss);
      if (progress) progress(2, step, loss);
    }
  }
  net.set_params(theta);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace memcosim::tasks::twin
