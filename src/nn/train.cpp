#include "nn/train.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numbers>
#include <numeric>
#include <stdexcept>
#include <string>

#include "nn/forward.hpp"
#include "nn/optimizer.hpp"
#include "util/numbers.hpp"

namespace memcosim::nn {

// ---------------------------------------------------------------------------
// Weight noise

Eigen::Index sample_weight_noise(const WeightNoise& noise, Rng& rng, Eigen::Ref<Eigen::VectorXd> m) {
  if (!noise.enabled) {
    m.setOnes();
    return 0;
  }
  Eigen::Index replaced = 0;
  for (Eigen::Index i = 0; i < m.size(); ++i) {
    double eta = noise.sigma * rng.normal();
    if (std::abs(eta) >= noise.clip) {
      // The published "truncation": a uniform draw in the open interval
      // (-clip, clip); u = 0 would give -clip exactly and is redrawn.
      double u = 0.0;
      while (u == 0.0) u = rng.uniform();
      eta = noise.clip * (2.0 * u - 1.0);
      ++replaced;
    }
    m[i] = 1.0 + eta;
  }
  return replaced;
}

// ---------------------------------------------------------------------------
// Options

void TrainOptions::validate() const {
  std::vector<std::string> p;
  auto fmt = [](double v) { return " (got " + exact_number(v) + ")"; };
  auto finite = [](double v) { return std::isfinite(v); };
  if (epochs < 1) p.push_back("epochs must be >= 1" + fmt(epochs));
  if (batch_size < 1) p.push_back("batch_size must be >= 1" + fmt(batch_size));
  if (!finite(learning_rate) || learning_rate <= 0)
    p.push_back("learning_rate must be finite and > 0" + fmt(learning_rate));
  if (!finite(learning_rate_final) || learning_rate_final < 0 || learning_rate_final > learning_rate)
    p.push_back("learning_rate_final must be in [0, learning_rate]" + fmt(learning_rate_final));
  if (!(adam_beta1 >= 0 && adam_beta1 < 1)) p.push_back("adam_beta1 must be in [0, 1)" + fmt(adam_beta1));
  if (!(adam_beta2 >= 0 && adam_beta2 < 1)) p.push_back("adam_beta2 must be in [0, 1)" + fmt(adam_beta2));
  if (!finite(adam_eps) || adam_eps <= 0) p.push_back("adam_eps must be finite and > 0" + fmt(adam_eps));
  if (!finite(weight_decay) || weight_decay < 0)
    p.push_back("weight_decay must be finite and >= 0" + fmt(weight_decay));
  if (!finite(grad_clip) || grad_clip < 0) p.push_back("grad_clip must be finite and >= 0 (0 = off)" + fmt(grad_clip));
  if (!(ema_decay >= 0 && ema_decay < 1)) p.push_back("ema_decay must be in [0, 1) (0 = off)" + fmt(ema_decay));
  if (!(t_min > 0 && t_min < 1)) p.push_back("t_min must be in (0, 1)" + fmt(t_min));
  if (!finite(weight_noise.sigma) || weight_noise.sigma < 0)
    p.push_back("weight_noise.sigma must be finite and >= 0" + fmt(weight_noise.sigma));
  if (!finite(weight_noise.clip) || weight_noise.clip <= 0)
    p.push_back("weight_noise.clip must be finite and > 0" + fmt(weight_noise.clip));
  if (!finite(activation_threshold)) p.push_back("activation_threshold must be finite" + fmt(activation_threshold));
  if (!finite(activation_penalty) || activation_penalty < 0)
    p.push_back("activation_penalty must be finite and >= 0" + fmt(activation_penalty));
  if (!(class_dropout >= 0 && class_dropout <= 1)) p.push_back("class_dropout must be in [0, 1]" + fmt(class_dropout));
  if (!finite(schedule.beta_min) || schedule.beta_min < 0)
    p.push_back("schedule.beta_min must be finite and >= 0" + fmt(schedule.beta_min));
  if (!finite(schedule.beta_max) || schedule.beta_max <= 0 || schedule.beta_max < schedule.beta_min)
    p.push_back("schedule.beta_max must be finite, > 0 and >= beta_min" + fmt(schedule.beta_max));
  if (p.empty()) return;
  std::string msg = "invalid training options:";
  for (const auto& s : p) msg += "\n  " + s;
  throw std::invalid_argument(msg);
}

// ---------------------------------------------------------------------------
// The objective with preallocated buffers

namespace {

// Evaluates the loss and its gradient for batches of up to max_batch
// samples without allocating (after construction).
class Objective {
 public:
  Objective(const ScoreNet& net, Eigen::Index max_batch)
      : arch_(net.arch()),
        freq_(net.frequencies()),
        noisy_(Parameters::zeros(arch_)),
        grad_(Parameters::zeros(arch_)),
        noisy_flat_(net.num_params()) {
    const Eigen::Index D = arch_.input_dim, E = arch_.embedding_width(), B = max_batch;
    xt_.resize(D, B);
    T_.resize(E, B);
    out_.resize(D, B);
    dout_.resize(D, B);
    sigma_.resize(B);
    for (int h : arch_.hidden) {
      hidden_.emplace_back(h, B);
      dh_.emplace_back(h, B);
    }
    if (arch_.num_classes > 0) {
      const Eigen::Index C1 = arch_.num_classes + 1;
      Kg_.resize(E, B);
      col_.resize(static_cast<std::size_t>(B));
      U_.resize(E, C1);
      G_.resize(E, C1);
      K_.resize(E, C1);
      dK_.resize(E, C1);
      dG_.resize(E, C1);
    }
  }

  // theta: flat parameters; m: multipliers or nullptr; x0, t, z: the batch
  // (n columns); labels: n labels in [-1, C) or nullptr; grad: receives
  // dL/dtheta if not null.
  LossTerms evaluate(const Eigen::VectorXd& theta, const Eigen::VectorXd* m,
                     const Eigen::Ref<const Eigen::MatrixXd>& x0, const Eigen::Ref<const Eigen::VectorXd>& t,
                     const Eigen::Ref<const Eigen::MatrixXd>& z, const int* labels, const TrainOptions& opt,
                     Eigen::VectorXd* grad) {
    const Eigen::Index n = x0.cols(), D = x0.rows();
    const int C = arch_.num_classes;
    const std::size_t L = hidden_.size();

    // Noisy parameters theta * M.
    if (m)
      noisy_flat_ = theta.cwiseProduct(*m);
    else
      noisy_flat_ = theta;
    noisy_.unpack(noisy_flat_);

    // Perturbed data and time embedding, once per sample.
    for (Eigen::Index j = 0; j < n; ++j) {
      const double a = opt.schedule.alpha(t[j]);
      sigma_[j] = opt.schedule.sigma(t[j]);
      xt_.col(j) = a * x0.col(j) + sigma_[j] * z.col(j);
      detail::time_embedding_into(freq_, t[j], T_.col(j));
    }
    // Class embedding: one table column per class, gathered per sample.
    if (C > 0) {
      detail::class_table(noisy_, U_, G_, K_);
      for (Eigen::Index j = 0; j < n; ++j) {
        col_[static_cast<std::size_t>(j)] = detail::class_column(labels[j], C);
        Kg_.col(j) = K_.col(col_[static_cast<std::size_t>(j)]);
      }
    }

    auto S = out_.leftCols(n);
    detail::forward_pass(
        noisy_, arch_.output_gain, xt_.leftCols(n), T_.leftCols(n),
        C > 0 ? Eigen::Ref<const Eigen::MatrixXd>(Kg_.leftCols(n)) : Eigen::Ref<const Eigen::MatrixXd>(none_), hidden_,
        S);

    // Residual r = s sigma + z, kept in dout_ for the backward pass.
    auto R = dout_.leftCols(n);
    R = (S.array().rowwise() * sigma_.head(n).transpose().array() + z.array()).matrix();
    LossTerms loss;
    const double inv_count = 1.0 / static_cast<double>(n * D);
    loss.score_matching = R.squaredNorm() * inv_count;
    const double thr = opt.activation_threshold;
    for (std::size_t l = 0; l < L; ++l) {
      const auto H = hidden_[l].leftCols(n).array();
      loss.penalty_sum += (H > thr).select(H, 0.0).sum();
    }
    loss.total = loss.score_matching + opt.activation_penalty * loss.penalty_sum;
    if (!grad) return loss;

    // Backward. dL/ds = 2 r sigma / (n D); s = gain * o, so dL/do = gain * dL/ds.
    R = (R.array().rowwise() * sigma_.head(n).transpose().array() * (2.0 * inv_count * arch_.output_gain)).matrix();
    Dense& g_out = grad_.layers[L];
    g_out.W.noalias() = R * hidden_[L - 1].leftCols(n).transpose();
    g_out.b.noalias() = R.rowwise().sum();
    dh_[L - 1].leftCols(n).noalias() = noisy_.layers[L].W.transpose() * R;
    if (C > 0) dK_.setZero();

    for (std::size_t l = L; l-- > 0;) {
      const auto H = hidden_[l].leftCols(n).array();
      auto dP = dh_[l].leftCols(n);
      // Penalty (d/dh of h [h > thr] is [h > thr]), then the ReLU mask:
      // dpre = dh [pre > 0] and pre > 0 exactly where h > 0.
      dP.array() += opt.activation_penalty * (H > thr).cast<double>();
      dP.array() *= (H > 0.0).cast<double>();
      Dense& g = grad_.layers[l];
      if (l == 0)
        g.W.noalias() = dP * xt_.leftCols(n).transpose();
      else
        g.W.noalias() = dP * hidden_[l - 1].leftCols(n).transpose();
      g.b.noalias() = dP.rowwise().sum();
      if (l > 0) dh_[l - 1].leftCols(n).noalias() = noisy_.layers[l].W.transpose() * dP;
      // The class embedding's first h entries were added to this layer.
      if (C > 0) {
        const Eigen::Index h = dP.rows();
        for (Eigen::Index j = 0; j < n; ++j) dK_.col(col_[static_cast<std::size_t>(j)]).head(h) += dP.col(j);
      }
    }

    if (C > 0) {
      // K = W_c2 G + b_c2, G = gelu(U), U.col(c) = W_c1.col(c) + b_c1 (c < C), U.col(C) = b_c1.
      Dense& g2 = grad_.class_layers[1];
      Dense& g1 = grad_.class_layers[0];
      g2.W.noalias() = dK_ * G_.transpose();
      g2.b.noalias() = dK_.rowwise().sum();
      dG_.noalias() = noisy_.class_layers[1].W.transpose() * dK_;
      dG_.array() *= U_.unaryExpr([](double u) { return detail::gelu_derivative(u); }).array();
      g1.W = dG_.leftCols(C);
      g1.b.noalias() = dG_.rowwise().sum();
    }

    grad_.pack(*grad);
    if (m) grad->array() *= m->array();
    return loss;
  }

 private:
  Architecture arch_;
  Eigen::VectorXd freq_;
  Parameters noisy_, grad_;
  Eigen::VectorXd noisy_flat_;
  Eigen::MatrixXd xt_, T_, out_, dout_, Kg_;
  Eigen::VectorXd sigma_;
  std::vector<Eigen::MatrixXd> hidden_, dh_;
  std::vector<Eigen::Index> col_;        // class-table column of each sample
  Eigen::MatrixXd U_, G_, K_, dK_, dG_;  // class table and its gradients
  const Eigen::MatrixXd none_;           // "no class embedding"
};

void check_labels(const ScoreNet& net, const std::vector<int>* labels, Eigen::Index n, bool allow_masked,
                  const char* who) {
  const int C = net.arch().num_classes;
  const std::string w(who);
  if (C == 0) {
    if (labels) throw std::invalid_argument(w + ": labels given for an unconditional network");
    return;
  }
  if (!labels) throw std::invalid_argument(w + ": a conditional network needs labels");
  if (static_cast<Eigen::Index>(labels->size()) != n)
    throw std::invalid_argument(w + ": " + std::to_string(labels->size()) + " labels for " + std::to_string(n) +
                                " samples");
  const int lo = allow_masked ? -1 : 0;
  for (std::size_t i = 0; i < labels->size(); ++i)
    if ((*labels)[i] < lo || (*labels)[i] >= C)
      throw std::invalid_argument(w + ": label " + std::to_string(i) + " is " + std::to_string((*labels)[i]) +
                                  ", must be in [" + std::to_string(lo) + ", " + std::to_string(C) + ")");
}

}  // namespace

// ---------------------------------------------------------------------------

LossTerms loss_and_gradient(const ScoreNet& net, const Eigen::Ref<const Eigen::MatrixXd>& x0,
                            const Eigen::Ref<const Eigen::VectorXd>& t, const Eigen::Ref<const Eigen::MatrixXd>& z,
                            const std::vector<int>* labels, const Eigen::VectorXd* multipliers, const TrainOptions& opt,
                            Eigen::VectorXd* gradient) {
  const Eigen::Index n = x0.cols(), D = net.arch().input_dim;
  if (x0.rows() != D || z.rows() != D || z.cols() != n || t.size() != n || n == 0)
    throw std::invalid_argument("loss_and_gradient: need x0 and z of " + std::to_string(D) + " x n and t of n, n >= 1");
  check_labels(net, labels, n, true, "loss_and_gradient");
  if (multipliers && multipliers->size() != net.num_params())
    throw std::invalid_argument("loss_and_gradient: " + std::to_string(multipliers->size()) + " multipliers for " +
                                std::to_string(net.num_params()) + " parameters");
  Objective objective(net, n);
  if (gradient) gradient->resize(net.num_params());
  return objective.evaluate(net.params(), multipliers, x0, t, z, labels ? labels->data() : nullptr, opt, gradient);
}

TrainResult train(ScoreNet& net, const Eigen::MatrixXd& data, const std::vector<int>* labels, const TrainOptions& opt,
                  const std::function<void(int, double)>& progress) {
  opt.validate();
  const Eigen::Index D = net.arch().input_dim, n = data.cols();
  if (data.rows() != D || n == 0)
    throw std::invalid_argument("train: data must be " + std::to_string(D) + " x n with n >= 1 (got " +
                                std::to_string(data.rows()) + " x " + std::to_string(n) + ")");
  if (!data.allFinite()) throw std::invalid_argument("train: data contains NaN or Inf");
  check_labels(net, labels, n, false, "train");

  const auto start = std::chrono::steady_clock::now();
  if (opt.initialize) {
    Rng init_rng(derive_seed(opt.seed, "init"));
    net.init(init_rng);
  }
  Rng shuffle_rng(derive_seed(opt.seed, "shuffle"));
  Rng time_rng(derive_seed(opt.seed, "time"));
  Rng noise_rng(derive_seed(opt.seed, "noise"));
  Rng weight_rng(derive_seed(opt.seed, "weight-noise"));
  Rng dropout_rng(derive_seed(opt.seed, "class-dropout"));

  const Eigen::Index B = std::min<Eigen::Index>(opt.batch_size, n);
  const Eigen::Index P = net.num_params();
  Objective objective(net, B);
  Eigen::VectorXd theta = net.params();
  Eigen::VectorXd ema = theta;
  Eigen::VectorXd grad(P);
  AdamState adam(P);
  const AdamOptions adam_options{opt.adam_beta1, opt.adam_beta2, opt.adam_eps, opt.weight_decay, opt.grad_clip};
  Eigen::VectorXd mult(P);
  Eigen::MatrixXd x0(D, B), z(D, B);
  Eigen::VectorXd t(B);
  std::vector<int> batch_labels(static_cast<std::size_t>(B));
  std::vector<Eigen::Index> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  const bool noisy = opt.weight_noise.enabled;

  // Cosine decay runs over every optimiser step of the whole training.
  const long total_steps = static_cast<long>(opt.epochs) * ((n + B - 1) / B);
  auto learning_rate = [&](long step) {  // step = 1 .. total_steps
    if (opt.lr_schedule == TrainOptions::LrSchedule::constant || total_steps < 2) return opt.learning_rate;
    const double progress_fraction = static_cast<double>(step - 1) / static_cast<double>(total_steps - 1);
    return opt.learning_rate_final +
           0.5 * (opt.learning_rate - opt.learning_rate_final) * (1.0 + std::cos(std::numbers::pi * progress_fraction));
  };

  TrainResult result;
  result.epoch_loss.reserve(static_cast<std::size_t>(opt.epochs));
  for (int epoch = 1; epoch <= opt.epochs; ++epoch) {
    shuffle_rng.shuffle(order);
    double loss_sum = 0.0;
    for (Eigen::Index first = 0; first < n; first += B) {
      const Eigen::Index nb = std::min(B, n - first);
      for (Eigen::Index j = 0; j < nb; ++j) {
        const Eigen::Index i = order[static_cast<std::size_t>(first + j)];
        x0.col(j) = data.col(i);
        if (labels) {
          // Classifier-free guidance: mask the label with probability class_dropout.
          const bool masked = dropout_rng.uniform() < opt.class_dropout;
          batch_labels[static_cast<std::size_t>(j)] = masked ? -1 : (*labels)[static_cast<std::size_t>(i)];
        }
        t[j] = opt.t_min + (1.0 - opt.t_min) * time_rng.uniform();
      }
      auto zb = z.leftCols(nb);
      noise_rng.fill_normal(zb);
      if (noisy) sample_weight_noise(opt.weight_noise, weight_rng, mult);

      const LossTerms loss = objective.evaluate(theta, noisy ? &mult : nullptr, x0.leftCols(nb), t.head(nb), zb,
                                                labels ? batch_labels.data() : nullptr, opt, &grad);
      loss_sum += loss.total * static_cast<double>(nb);

      adam.step(theta, grad, learning_rate(result.steps + 1), adam_options);
      ++result.steps;
      if (opt.ema_decay > 0) ema = opt.ema_decay * ema + (1.0 - opt.ema_decay) * theta;
    }
    const double mean_loss = loss_sum / static_cast<double>(n);
    result.epoch_loss.push_back(mean_loss);
    if (progress) progress(epoch, mean_loss);
  }
  net.set_params(opt.ema_decay > 0 ? ema : theta);
  result.final_loss = result.epoch_loss.back();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace memcosim::nn
