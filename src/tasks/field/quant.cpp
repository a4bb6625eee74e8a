#include "tasks/field/quant.hpp"

#include <algorithm>
#include <cmath>

#include "util/random.hpp"

namespace memcosim::tasks::field {

double haq_span(int cells, double ratio) {
  double s = 0, p = 1;
  for (int k = 0; k < cells; ++k, p *= ratio) s += p;
  return s;
}

std::vector<int> haq_bits(double w, double step, int cells, double ratio) {
  std::vector<int> bits(static_cast<std::size_t>(cells), 0);
  double residual = w;
  for (int k = cells - 1; k >= 0; --k) {
    const double sig = step * std::pow(ratio, k);
    if (std::abs(residual) >= sig / 2) {
      const int s = residual > 0 ? 1 : -1;
      bits[static_cast<std::size_t>(k)] = s;
      residual -= s * sig;
    }
  }
  return bits;
}

double haq_value(const std::vector<int>& bits, double step, double ratio) {
  double v = 0, p = 1;
  for (int b : bits) {
    v += b * p;
    p *= ratio;
  }
  return step * v;
}

double haq_program(double w, double step, int cells, double ratio, const std::function<double(int)>& noise, long* on) {
  double residual = w, value = 0;
  for (int k = cells - 1; k >= 0; --k) {
    const double sig = step * std::pow(ratio, k);
    if (std::abs(residual) >= sig / 2) {
      const double conducted = (residual > 0 ? 1 : -1) * sig * (1.0 + noise(k));
      value += conducted;
      residual -= conducted;
      if (on) ++*on;
    }
  }
  return value;
}

namespace {

// PTQ: the n-bit binary pattern of round(|w| / step), as the value the cells
// conduct; counts the cells switched on.
double ptq_program(double w, double step, int cells, const std::function<double(int)>& noise, long& on) {
  const double top = std::ldexp(1.0, cells) - 1;
  const auto q = static_cast<std::uint64_t>(std::min(std::round(std::abs(w) / step), top));
  double value = 0;
  for (int k = 0; k < cells; ++k)
    if ((q >> k) & 1u) {
      value += std::ldexp(step, k) * (1.0 + noise(k));
      ++on;
    }
  return w < 0 ? -value : value;
}

}  // namespace

nn::Mlp quantise(const nn::Mlp& net, Quantiser q, const config::FieldHaqConfig& cfg, std::uint64_t noise_seed,
                 QuantReport* report) {
  nn::Mlp out = net;
  QuantReport rep;
  for (std::size_t l = 0; l < out.layers().size(); ++l) {
    auto& layer = out.layers()[l];
    const double largest =
        std::max(layer.W.cwiseAbs().maxCoeff(), layer.b.size() ? layer.b.cwiseAbs().maxCoeff() : 0.0);
    const double span = q == Quantiser::haq ? haq_span(cfg.cells, cfg.ratio) : std::ldexp(1.0, cfg.cells) - 1;
    const double step = largest > 0 ? largest / span : 1.0;
    rep.steps.push_back(step);
    std::uint64_t index = 0;
    auto program = [&](double& w) {
      auto noise = [&](int k) {
        return cfg.cell_noise > 0 ? cfg.cell_noise * counter_normal(noise_seed, l, index, static_cast<std::uint64_t>(k))
                                  : 0.0;
      };
      auto none = [](int) { return 0.0; };
      double ideal = 0, real = 0;
      if (q == Quantiser::haq) {
        const auto bits = haq_bits(w, step, cfg.cells, cfg.ratio);
        ideal = haq_value(bits, step, cfg.ratio);
        real = haq_program(w, step, cfg.cells, cfg.ratio, noise, &rep.cells_on);
      } else {
        long unused = 0;
        ideal = ptq_program(w, step, cfg.cells, none, unused);
        real = ptq_program(w, step, cfg.cells, noise, rep.cells_on);
      }
      rep.cells_total += cfg.cells;
      rep.max_error = std::max(rep.max_error, std::abs(w - ideal));
      w = real;
      ++index;
    };
    for (Eigen::Index j = 0; j < layer.W.cols(); ++j)
      for (Eigen::Index i = 0; i < layer.W.rows(); ++i) program(layer.W(i, j));
    for (Eigen::Index i = 0; i < layer.b.size(); ++i) program(layer.b(i));
  }
  if (report) *report = rep;
  return out;
}

}  // namespace memcosim::tasks::field
