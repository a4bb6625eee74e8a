#include "nn/mlp.hpp"

#include <cmath>
#include <stdexcept>

#include "util/limits.hpp"
#include "util/numbers.hpp"

namespace memcosim::nn {

std::vector<std::pair<std::string, std::string>> MlpShape::problems() const {
  std::vector<std::pair<std::string, std::string>> p;
  auto got = [](double v) { return " (got " + exact_number(v) + ")"; };
  const std::string range = "must be in 1.." + std::to_string(limits::kMaxWidth);
  if (input_dim < 1 || input_dim > limits::kMaxWidth) p.emplace_back("input_dim", range + got(input_dim));
  if (output_dim < 1 || output_dim > limits::kMaxWidth) p.emplace_back("output_dim", range + got(output_dim));
  for (std::size_t l = 0; l < hidden.size(); ++l)
    if (hidden[l] < 1 || hidden[l] > limits::kMaxWidth)
      p.emplace_back("hidden[" + std::to_string(l) + "]", range + got(hidden[l]));
  return p;
}

void MlpShape::validate() const {
  const auto p = problems();
  if (p.empty()) return;
  std::string msg = "invalid network shape:";
  for (const auto& [key, what] : p) msg += "\n  architecture." + key + " " + what;
  throw std::invalid_argument(msg);
}

Mlp::Mlp(MlpShape shape) : shape_(std::move(shape)) {
  shape_.validate();
  int fan_in = shape_.input_dim;
  for (int h : shape_.hidden) {
    layers_.push_back({Eigen::MatrixXd::Zero(h, fan_in), Eigen::VectorXd::Zero(h)});
    fan_in = h;
  }
  layers_.push_back({Eigen::MatrixXd::Zero(shape_.output_dim, fan_in), Eigen::VectorXd::Zero(shape_.output_dim)});
  in_offset_ = Eigen::VectorXd::Zero(shape_.input_dim);
  in_scale_ = Eigen::VectorXd::Ones(shape_.input_dim);
  out_scale_ = Eigen::VectorXd::Ones(shape_.output_dim);
}

void Mlp::init(Rng& rng) {
  for (Dense& d : layers_) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(d.W.cols()));
    d.W = d.W.unaryExpr([&](double) { return rng.uniform(-bound, bound); }).eval();
    for (Eigen::Index i = 0; i < d.b.size(); ++i) d.b[i] = rng.uniform(-bound, bound);
  }
}

namespace {
void check_input(const Mlp& net, Eigen::Index rows, Eigen::Index out_rows, Eigen::Index cols, Eigen::Index out_cols) {
  if (rows != net.input_dim() || out_rows != net.output_dim() || cols != out_cols)
    throw std::invalid_argument("Mlp::forward: expected x " + std::to_string(net.input_dim()) + " x N and out " +
                                std::to_string(net.output_dim()) + " x N (got " + std::to_string(rows) + " x " +
                                std::to_string(cols) + " and " + std::to_string(out_rows) + " x " +
                                std::to_string(out_cols) + ")");
}
}  // namespace

void Mlp::forward(const Eigen::Ref<const Eigen::MatrixXd>& x, Eigen::Ref<Eigen::MatrixXd> out, Tape& tape) const {
  check_input(*this, x.rows(), out.rows(), x.cols(), out.cols());
  tape.input = (x.colwise() - in_offset_).array().colwise() / in_scale_.array();
  tape.hidden.resize(layers_.size() - 1);
  const Eigen::MatrixXd* z = &tape.input;
  for (std::size_t l = 0; l + 1 < layers_.size(); ++l) {
    tape.hidden[l].noalias() = layers_[l].W * *z;
    tape.hidden[l].colwise() += layers_[l].b;
    tape.hidden[l] = tape.hidden[l].cwiseMax(0.0);
    z = &tape.hidden[l];
  }
  const Dense& last = layers_.back();
  out.noalias() = last.W * *z;
  out.colwise() += last.b;
  out.array().colwise() *= out_scale_.array();
}

void Mlp::forward(const Eigen::Ref<const Eigen::MatrixXd>& x, Eigen::Ref<Eigen::MatrixXd> out) const {
  Tape tape;
  forward(x, out, tape);
}

Eigen::MatrixXd Mlp::operator()(const Eigen::Ref<const Eigen::MatrixXd>& x) const {
  Eigen::MatrixXd out(output_dim(), x.cols());
  forward(x, out);
  return out;
}

void Mlp::backward(const Tape& tape, const Eigen::Ref<const Eigen::MatrixXd>& gy,
                   Eigen::Ref<Eigen::VectorXd> grad_params, Eigen::MatrixXd* gx) const {
  const Eigen::Index n = tape.input.cols();
  if (gy.rows() != output_dim() || gy.cols() != n)
    throw std::invalid_argument("Mlp::backward: gy must be output_dim x N like the recorded forward pass");
  const bool want_params = grad_params.size() > 0;
  if (want_params && grad_params.size() != num_params())
    throw std::invalid_argument("Mlp::backward: grad_params must have num_params() entries or none");
  // Offsets of each layer's W and b in the flat vector.
  std::vector<Eigen::Index> offset(layers_.size());
  Eigen::Index at = 0;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    offset[l] = at;
    at += layers_[l].W.size() + layers_[l].b.size();
  }
  // g: dL/d(pre-activation) of the current layer.
  Eigen::MatrixXd g = gy.array().colwise() * out_scale_.array();
  for (std::size_t l = layers_.size(); l-- > 0;) {
    const Dense& d = layers_[l];
    const Eigen::MatrixXd& z_in = l == 0 ? tape.input : tape.hidden[l - 1];
    if (want_params) {
      Eigen::Map<Eigen::MatrixXd> gW(grad_params.data() + offset[l], d.W.rows(), d.W.cols());
      gW.noalias() += g * z_in.transpose();
      grad_params.segment(offset[l] + d.W.size(), d.b.size()) += g.rowwise().sum();
    }
    if (l == 0 && !gx) break;
    Eigen::MatrixXd g_in = d.W.transpose() * g;
    if (l == 0) {
      *gx = g_in.array().colwise() / in_scale_.array();
      break;
    }
    // Through the ReLU of layer l-1: its output is positive exactly where it passed.
    g = (tape.hidden[l - 1].array() > 0.0).select(g_in, 0.0);
  }
}

Eigen::Index Mlp::num_params() const {
  Eigen::Index n = 0;
  for (const Dense& d : layers_) n += d.W.size() + d.b.size();
  return n;
}

Eigen::VectorXd Mlp::params() const {
  Eigen::VectorXd flat(num_params());
  Eigen::Index at = 0;
  for (const Dense& d : layers_) {
    flat.segment(at, d.W.size()) = d.W.reshaped();
    at += d.W.size();
    flat.segment(at, d.b.size()) = d.b;
    at += d.b.size();
  }
  return flat;
}

void Mlp::set_params(const Eigen::Ref<const Eigen::VectorXd>& flat) {
  if (flat.size() != num_params())
    throw std::invalid_argument("Mlp::set_params: expected " + std::to_string(num_params()) + " values, got " +
                                std::to_string(flat.size()));
  Eigen::Index at = 0;
  for (Dense& d : layers_) {
    d.W.reshaped() = flat.segment(at, d.W.size());
    at += d.W.size();
    d.b = flat.segment(at, d.b.size());
    at += d.b.size();
  }
}

std::vector<Dense> Mlp::raw_layers() const {
  std::vector<Dense> raw = layers_;
  Dense& first = raw.front();
  first.W = first.W * in_scale_.cwiseInverse().asDiagonal();
  first.b = first.b - first.W * in_offset_;
  Dense& last = raw.back();
  last.W = out_scale_.asDiagonal() * last.W;
  last.b = out_scale_.cwiseProduct(last.b);
  return raw;
}

}  // namespace memcosim::nn
