#include "tasks/prime/network.hpp"

#include <cmath>
#include <vector>

#include "util/random.hpp"

namespace memcosim::tasks::prime {

SpikingNet random_network(const config::PrimeNetworkConfig& c, Eigen::Index inputs, Eigen::Index outputs,
                          std::uint64_t seed) {
  SpikingNet n;
  Rng rng(derive_seed(seed, "prime-weights"));
  Eigen::MatrixXd w1(c.hidden, inputs), w2(outputs, c.hidden);
  rng.fill_normal(w1);
  rng.fill_normal(w2);
  n.w1 = (w1 * c.weight_std_hidden).cast<float>();
  n.w2 = (w2 * c.weight_std_output).cast<float>();
  n.m1 = Eigen::MatrixXf::Ones(n.w1.rows(), n.w1.cols());
  n.m2 = Eigen::MatrixXf::Ones(n.w2.rows(), n.w2.cols());
  n.beta = c.beta;
  n.threshold = c.threshold;
  n.output_beta = c.output_beta;
  return n;
}

double confidence(const Eigen::VectorXf& o, double temperature) {
  const Eigen::ArrayXd z = o.cast<double>().array() / temperature;
  const double m = z.maxCoeff();
  return 1.0 / (z - m).exp().sum();
}

int stop_step(const std::vector<double>& conf, const config::PrimeEarlyStopConfig& es) {
  const int T = static_cast<int>(conf.size());
  if (!es.enabled) return T;
  for (int t = es.min_steps; t <= T; ++t)
    if (conf[static_cast<std::size_t>(t - 1)] > es.confidence) return t;
  return T;
}

ImageResult run_image(const SpikingNet& net, const Eigen::MatrixXf& spikes, const config::PrimeEarlyStopConfig& es) {
  const int T = static_cast<int>(spikes.cols());
  const Eigen::MatrixXf w1 = net.w1_effective(), w2 = net.w2_effective();
  ImageResult r;
  Eigen::VectorXf u = Eigen::VectorXf::Zero(net.hidden()), s = Eigen::VectorXf::Zero(net.hidden());
  Eigen::VectorXf o = Eigen::VectorXf::Zero(net.outputs());
  r.hidden_trace = Eigen::MatrixXf::Zero(net.hidden(), T);
  std::vector<long> in_count, hid_count;
  for (int t = 0; t < T; ++t) {
    u = static_cast<float>(net.beta) * u.cwiseProduct(Eigen::VectorXf::Ones(u.size()) - s) + w1 * spikes.col(t);
    s = (u.array() > static_cast<float>(net.threshold)).cast<float>().matrix();
    o = static_cast<float>(net.output_beta) * o + w2 * s;
    r.hidden_trace.col(t) = s;
    r.outputs.push_back(o);
    r.confidence.push_back(confidence(o, es.temperature));
    in_count.push_back(static_cast<long>(spikes.col(t).sum()));
    hid_count.push_back(static_cast<long>(s.sum()));
  }
  r.steps = stop_step(r.confidence, es);
  Eigen::Index k = 0;
  r.outputs[static_cast<std::size_t>(r.steps - 1)].maxCoeff(&k);
  r.predicted = static_cast<int>(k);
  r.outputs.back().maxCoeff(&k);
  r.predicted_full = static_cast<int>(k);
  for (int t = 0; t < T; ++t) {
    r.input_spikes += in_count[static_cast<std::size_t>(t)];
    r.hidden_spikes += hid_count[static_cast<std::size_t>(t)];
    if (t < r.steps) {
      r.input_spikes_run += in_count[static_cast<std::size_t>(t)];
      r.hidden_spikes_run += hid_count[static_cast<std::size_t>(t)];
    }
  }
  return r;
}

Inference infer(const SpikingNet& net, const Eigen::MatrixXf& w1, const Eigen::MatrixXf& w2,
                const Eigen::MatrixXf& spikes, const config::PrimeEarlyStopConfig& es) {
  const int T = static_cast<int>(spikes.cols());
  const auto beta = static_cast<float>(net.beta), threshold = static_cast<float>(net.threshold),
             output_beta = static_cast<float>(net.output_beta);
  Eigen::VectorXf u = Eigen::VectorXf::Zero(net.hidden()), o = Eigen::VectorXf::Zero(net.outputs());
  std::vector<bool> fired(static_cast<std::size_t>(net.hidden()), false);
  Inference r;
  for (int t = 0; t < T; ++t) {
    // Membrane: leak, reset where the neuron fired last step, then the
    // weight columns of this step's input spikes.
    for (Eigen::Index j = 0; j < u.size(); ++j) u(j) = fired[static_cast<std::size_t>(j)] ? 0.0f : beta * u(j);
    for (Eigen::Index i = 0; i < spikes.rows(); ++i)
      if (spikes(i, t) > 0.5f) u += w1.col(i);
    o *= output_beta;
    for (Eigen::Index j = 0; j < u.size(); ++j) {
      fired[static_cast<std::size_t>(j)] = u(j) > threshold;
      if (fired[static_cast<std::size_t>(j)]) o += w2.col(j);
    }
    r.steps = t + 1;
    if (es.enabled && r.steps >= es.min_steps && confidence(o, es.temperature) > es.confidence) break;
  }
  Eigen::Index k = 0;
  o.maxCoeff(&k);
  r.predicted = static_cast<int>(k);
  return r;
}

}  // namespace memcosim::tasks::prime
