#include "nn/score_net.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "nn/forward.hpp"
#include "util/limits.hpp"
#include "util/numbers.hpp"

namespace memcosim::nn {

// ---------------------------------------------------------------------------
// Architecture

int Architecture::embedding_width() const {
  return hidden.empty() ? 0 : *std::max_element(hidden.begin(), hidden.end());
}

std::vector<std::pair<std::string, std::string>> Architecture::problems() const {
  std::vector<std::pair<std::string, std::string>> p;
  auto got = [](double v) { return " (got " + exact_number(v) + ")"; };
  const auto too_big = [&](const std::string& key, double v, int limit) {
    p.emplace_back(key, "must be <= " + std::to_string(limit) + " (memcosim's size limit)" + got(v));
  };
  if (input_dim < 1) p.emplace_back("input_dim", "must be >= 1" + got(input_dim));
  if (input_dim > limits::kMaxWidth) too_big("input_dim", input_dim, limits::kMaxWidth);
  if (hidden.size() > 64) too_big("hidden", static_cast<double>(hidden.size()), 64);
  if (output_dim != input_dim)
    p.emplace_back("output_dim",
                   "must equal input_dim " + std::to_string(input_dim) + ": the output is a score" + got(output_dim));
  if (hidden.empty()) p.emplace_back("hidden", "needs at least one hidden layer");
  for (std::size_t l = 0; l < hidden.size(); ++l) {
    const std::string key = "hidden[" + std::to_string(l) + "]";
    if (hidden[l] < 2)
      p.emplace_back(key, "must be >= 2" + got(hidden[l]));
    else if (hidden[l] > limits::kMaxWidth)
      too_big(key, hidden[l], limits::kMaxWidth);
    else if (hidden[l] % 2 != 0)
      p.emplace_back(key, "must be even: the time embedding adds as many sines as cosines" + got(hidden[l]));
  }
  if (num_classes < 0) p.emplace_back("num_classes", "must be >= 0" + got(num_classes));
  if (num_classes > limits::kMaxClasses) too_big("num_classes", num_classes, limits::kMaxClasses);
  if (!std::isfinite(output_gain) || output_gain <= 0.0)
    p.emplace_back("output_gain", "must be finite and > 0" + got(output_gain));
  if (!std::isfinite(embedding_scale) || embedding_scale < 0.0)
    p.emplace_back("embedding_scale", "must be finite and >= 0" + got(embedding_scale));
  return p;
}

void Architecture::validate() const {
  const auto p = problems();
  if (p.empty()) return;
  std::string msg = "invalid score-network architecture:";
  for (const auto& [key, what] : p) msg += "\n  architecture." + key + " " + what;
  throw std::invalid_argument(msg);
}

// ---------------------------------------------------------------------------
// Parameters

Parameters Parameters::zeros(const Architecture& arch) {
  Parameters p;
  int fan_in = arch.input_dim;
  for (int h : arch.hidden) {
    p.layers.push_back({Eigen::MatrixXd::Zero(h, fan_in), Eigen::VectorXd::Zero(h)});
    fan_in = h;
  }
  p.layers.push_back({Eigen::MatrixXd::Zero(arch.output_dim, fan_in), Eigen::VectorXd::Zero(arch.output_dim)});
  if (arch.num_classes > 0) {
    const int e = arch.embedding_width();
    p.class_layers.push_back({Eigen::MatrixXd::Zero(e, arch.num_classes), Eigen::VectorXd::Zero(e)});
    p.class_layers.push_back({Eigen::MatrixXd::Zero(e, e), Eigen::VectorXd::Zero(e)});
  }
  return p;
}

namespace {
// Visit every Dense of p in flat order.
template <class P, class F>
void for_each_dense(P& p, F&& f) {
  for (auto& d : p.layers) f(d);
  for (auto& d : p.class_layers) f(d);
}
}  // namespace

Eigen::Index Parameters::size() const {
  Eigen::Index n = 0;
  for_each_dense(*this, [&](const Dense& d) { n += d.W.size() + d.b.size(); });
  return n;
}

void Parameters::pack(Eigen::Ref<Eigen::VectorXd> flat) const {
  Eigen::Index at = 0;
  for_each_dense(*this, [&](const Dense& d) {
    flat.segment(at, d.W.size()) = d.W.reshaped();
    at += d.W.size();
    flat.segment(at, d.b.size()) = d.b;
    at += d.b.size();
  });
}

void Parameters::unpack(const Eigen::Ref<const Eigen::VectorXd>& flat) {
  Eigen::Index at = 0;
  for_each_dense(*this, [&](Dense& d) {
    d.W.reshaped() = flat.segment(at, d.W.size());
    at += d.W.size();
    d.b = flat.segment(at, d.b.size());
    at += d.b.size();
  });
}

// ---------------------------------------------------------------------------
// Shared forward pass

namespace detail {

void time_embedding_into(const Eigen::VectorXd& freq, double t, Eigen::Ref<Eigen::VectorXd> out) {
  const Eigen::Index half = freq.size();
  for (Eigen::Index k = 0; k < half; ++k) {
    const double phase = (2.0 * std::numbers::pi * freq[k]) * t;
    out[k] = std::sin(phase);
    out[half + k] = std::cos(phase);
  }
}

void class_table(const Parameters& p, Eigen::Ref<Eigen::MatrixXd> U, Eigen::Ref<Eigen::MatrixXd> G,
                 Eigen::Ref<Eigen::MatrixXd> K) {
  const Dense& l1 = p.class_layers[0];
  const Dense& l2 = p.class_layers[1];
  const Eigen::Index C = l1.W.cols();
  // W_c1 times a one-hot vector is a column of W_c1; the masked class has none.
  for (Eigen::Index c = 0; c < C; ++c) U.col(c) = l1.W.col(c) + l1.b;
  U.col(C) = l1.b;
  G = U.unaryExpr([](double u) { return gelu(u); });
  K.noalias() = l2.W * G;
  K.colwise() += l2.b;
}

namespace {
// Adds the entries of the embedding columns that belong to hidden layer H
// (h x n). Time embedding: the first h/2 sines and the first h/2 cosines;
// class embedding: the first h entries. One column broadcasts.
template <class Block>
void add_time_embedding(Block&& H, const Eigen::Ref<const Eigen::MatrixXd>& T) {
  const Eigen::Index hh = H.rows() / 2, half = T.rows() / 2;
  if (T.cols() == 1) {
    H.topRows(hh).colwise() += T.col(0).head(hh);
    H.bottomRows(hh).colwise() += T.col(0).segment(half, hh);
  } else {
    H.topRows(hh) += T.topRows(hh);
    H.bottomRows(hh) += T.middleRows(half, hh);
  }
}

template <class Block>
void add_class_embedding(Block&& H, const Eigen::Ref<const Eigen::MatrixXd>& K) {
  if (K.size() == 0) return;
  if (K.cols() == 1)
    H.colwise() += K.col(0).head(H.rows());
  else
    H += K.topRows(H.rows());
}
}  // namespace

void forward_pass(const Parameters& p, double gain, const Eigen::Ref<const Eigen::MatrixXd>& x,
                  const Eigen::Ref<const Eigen::MatrixXd>& T, const Eigen::Ref<const Eigen::MatrixXd>& K,
                  std::vector<Eigen::MatrixXd>& hidden, Eigen::Ref<Eigen::MatrixXd> out) {
  const Eigen::Index n = x.cols();
  const std::size_t L = hidden.size();
  for (std::size_t l = 0; l < L; ++l) {
    auto H = hidden[l].leftCols(n);
    if (l == 0)
      H.noalias() = p.layers[0].W * x;
    else
      H.noalias() = p.layers[l].W * hidden[l - 1].leftCols(n);
    H.colwise() += p.layers[l].b;
    add_time_embedding(H, T);
    add_class_embedding(H, K);
    H = H.cwiseMax(0.0);  // ReLU
  }
  const Dense& last = p.layers[L];
  out.noalias() = last.W * hidden[L - 1].leftCols(n);
  out.colwise() += last.b;
  out *= gain;
}

}  // namespace detail

// ---------------------------------------------------------------------------
// ScoreNet

ScoreNet::ScoreNet(Architecture arch) : arch_(std::move(arch)) {
  arch_.validate();
  params_ = Parameters::zeros(arch_);
  freq_ = Eigen::VectorXd::Zero(arch_.embedding_width() / 2);
}

void ScoreNet::init(Rng& rng) {
  for (Eigen::Index k = 0; k < freq_.size(); ++k) freq_[k] = arch_.embedding_scale * rng.normal();
  for_each_dense(params_, [&](Dense& d) {
    // nn.Linear's default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for W and b.
    const double bound = 1.0 / std::sqrt(static_cast<double>(d.W.cols()));
    rng.fill_uniform(d.W, -bound, bound);
    rng.fill_uniform(d.b, -bound, bound);
  });
}

Eigen::VectorXd ScoreNet::time_embedding(double t) const {
  Eigen::VectorXd e(2 * freq_.size());
  detail::time_embedding_into(freq_, t, e);
  return e;
}

Eigen::VectorXd ScoreNet::class_embedding(int cls) const {
  const int C = arch_.num_classes;
  if (C == 0) throw std::invalid_argument("class_embedding: the network is unconditional");
  if (cls < -1 || cls >= C)
    throw std::invalid_argument("class_embedding: class " + std::to_string(cls) + " out of range [0, " +
                                std::to_string(C) + ") and not -1 (masked)");
  // The whole table is C+1 columns of E values; computing it all keeps one
  // implementation of the embedding.
  const int e = arch_.embedding_width();
  Eigen::MatrixXd U(e, C + 1), G(e, C + 1), K(e, C + 1);
  detail::class_table(params_, U, G, K);
  return K.col(detail::class_column(cls, C));
}

void ScoreNet::check_embeddings(Eigen::Index temb_size, const Eigen::VectorXd* cemb) const {
  const int e = arch_.embedding_width();
  if (temb_size != e)
    throw std::invalid_argument("ScoreNet: time embedding has " + std::to_string(temb_size) + " entries, expected " +
                                std::to_string(e));
  if (cemb && cemb->size() != e)
    throw std::invalid_argument("ScoreNet: class embedding has " + std::to_string(cemb->size()) +
                                " entries, expected " + std::to_string(e));
}

void ScoreNet::forward(const Eigen::Ref<const Eigen::MatrixXd>& x, const Eigen::Ref<const Eigen::VectorXd>& temb,
                       const Eigen::VectorXd* cemb, Eigen::Ref<Eigen::MatrixXd> out) const {
  check_embeddings(temb.size(), cemb);
  if (x.rows() != arch_.input_dim || out.rows() != arch_.output_dim || out.cols() != x.cols())
    throw std::invalid_argument("ScoreNet::forward: x is " + std::to_string(x.rows()) + "x" + std::to_string(x.cols()) +
                                " and out " + std::to_string(out.rows()) + "x" + std::to_string(out.cols()) +
                                ", expected " + std::to_string(arch_.input_dim) + "xN and " +
                                std::to_string(arch_.output_dim) + "xN");
  // Scratch for the hidden activations, kept between calls: the samplers
  // call this once per right-hand-side evaluation, and allocating 14 x 10,000
  // doubles per layer each time cost about a fifth of the reference sampler's
  // time in page faults (perf; memcosim_bench, comparison 4). forward_pass
  // uses the first x.cols() columns. One per thread, so const calls from
  // several threads stay independent.
  thread_local std::vector<Eigen::MatrixXd> hidden;
  hidden.resize(arch_.hidden.size());
  for (std::size_t l = 0; l < arch_.hidden.size(); ++l)
    if (hidden[l].rows() != arch_.hidden[l] || hidden[l].cols() < x.cols()) hidden[l].resize(arch_.hidden[l], x.cols());
  const Eigen::MatrixXd none;
  detail::forward_pass(params_, arch_.output_gain, x, temb,
                       cemb ? Eigen::Ref<const Eigen::MatrixXd>(*cemb) : Eigen::Ref<const Eigen::MatrixXd>(none),
                       hidden, out);
}

std::vector<Eigen::MatrixXd> ScoreNet::hidden_activations(const Eigen::Ref<const Eigen::MatrixXd>& x,
                                                          const Eigen::Ref<const Eigen::VectorXd>& temb,
                                                          const Eigen::VectorXd* cemb) const {
  check_embeddings(temb.size(), cemb);
  if (x.rows() != arch_.input_dim)
    throw std::invalid_argument("ScoreNet::hidden_activations: x has " + std::to_string(x.rows()) + " rows, expected " +
                                std::to_string(arch_.input_dim));
  std::vector<Eigen::MatrixXd> hidden;
  for (int h : arch_.hidden) hidden.emplace_back(h, x.cols());
  Eigen::MatrixXd out(arch_.output_dim, x.cols());
  const Eigen::MatrixXd none;
  detail::forward_pass(params_, arch_.output_gain, x, temb,
                       cemb ? Eigen::Ref<const Eigen::MatrixXd>(*cemb) : Eigen::Ref<const Eigen::MatrixXd>(none),
                       hidden, out);
  return hidden;
}

void ScoreNet::score(const Eigen::Ref<const Eigen::MatrixXd>& x, double t, Eigen::Ref<Eigen::MatrixXd> out) const {
  const Eigen::VectorXd temb = time_embedding(t);
  if (arch_.num_classes > 0) {
    const Eigen::VectorXd cemb = class_embedding(-1);
    forward(x, temb, &cemb, out);
  } else {
    forward(x, temb, nullptr, out);
  }
}

Eigen::VectorXd ScoreNet::params() const {
  Eigen::VectorXd flat(params_.size());
  params_.pack(flat);
  return flat;
}

void ScoreNet::set_params(const Eigen::Ref<const Eigen::VectorXd>& flat) {
  if (flat.size() != params_.size())
    throw std::invalid_argument("ScoreNet::set_params: got " + std::to_string(flat.size()) +
                                " values, the network has " + std::to_string(params_.size()));
  params_.unpack(flat);
}

// ---------------------------------------------------------------------------
// ConditionalScore

ConditionalScore::ConditionalScore(const ScoreNet& net, int cls) : net_(&net), cls_(cls) {
  const int C = net.arch().num_classes;
  if (C == 0) throw std::invalid_argument("ConditionalScore: the network is unconditional");
  if (cls < -1 || cls >= C)
    throw std::invalid_argument("ConditionalScore: class " + std::to_string(cls) + " out of range [0, " +
                                std::to_string(C) + ") and not -1 (masked)");
}

void ConditionalScore::score(const Eigen::Ref<const Eigen::MatrixXd>& x, double t,
                             Eigen::Ref<Eigen::MatrixXd> out) const {
  const Eigen::VectorXd temb = net_->time_embedding(t);
  const Eigen::VectorXd cemb = net_->class_embedding(cls_);
  net_->forward(x, temb, &cemb, out);
}

}  // namespace memcosim::nn
