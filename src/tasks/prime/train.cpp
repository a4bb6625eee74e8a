#include "tasks/prime/train.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <ostream>

#include "util/random.hpp"

namespace memcosim::tasks::prime {

namespace {

std::filesystem::path data_file(const config::Config& cfg, const std::string& name) {
  return cfg.resolve(cfg.prime.data.dir) / name;
}

}  // namespace

Dataset load_split(const config::Config& cfg, bool train) {
  const auto& d = cfg.prime.data;
  const std::string ik = train ? "prime.data.train_images" : "prime.data.test_images";
  const std::string lk = train ? "prime.data.train_labels" : "prime.data.test_labels";
  const auto ifile = data_file(cfg, train ? d.train_images : d.test_images);
  const auto lfile = data_file(cfg, train ? d.train_labels : d.test_labels);
  IdxImages img = read_idx_images(ifile, cfg.locations.find(ik), ik, 28, 28);
  std::vector<int> labels = read_idx_labels(lfile, cfg.locations.find(lk), lk, 10);
  if (static_cast<Eigen::Index>(labels.size()) != img.pixels.cols())
    throw InputError(Diagnostic{cfg.locations.find(lk), lk,
                                "IDX label file '" + lfile.string() + "' holds " + std::to_string(labels.size()) +
                                    " labels but the image file '" + ifile.string() + "' " +
                                    std::to_string(img.pixels.cols()) + " images"});
  const int limit = train ? d.train_limit : d.test_limit;
  if (limit > 0 && limit < img.pixels.cols()) {
    img.pixels.conservativeResize(Eigen::NoChange, limit);
    labels.resize(static_cast<std::size_t>(limit));
  }
  IdxImages small = downsample(img, d.downsample);
  return Dataset{std::move(small.pixels), std::move(labels), small.rows, small.cols};
}

Eigen::MatrixXf image_spikes(const config::Config& cfg, const Dataset& d, Eigen::Index index, bool train,
                             std::uint64_t epoch) {
  const auto& p = cfg.prime.data;
  const std::uint64_t seed = derive_seed(cfg.seed, train ? "prime-train-spikes" : "prime-test-spikes");
  const std::uint64_t id = epoch * static_cast<std::uint64_t>(d.pixels.cols()) + static_cast<std::uint64_t>(index);
  return encode(d.pixels.col(index), p.coding, p.steps, seed, id, p.latency_cutoff);
}

Eigen::MatrixXf top_k_mask(const Eigen::MatrixXf& score, double sparsity) {
  const Eigen::Index n = score.size();
  const Eigen::Index keep = static_cast<Eigen::Index>(std::llround((1.0 - sparsity) * static_cast<double>(n)));
  std::vector<Eigen::Index> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  const float* s = score.data();
  auto before = [s](Eigen::Index a, Eigen::Index b) {
    const float x = std::abs(s[a]), y = std::abs(s[b]);
    return x > y || (x == y && a < b);
  };
  Eigen::MatrixXf m = Eigen::MatrixXf::Zero(score.rows(), score.cols());
  if (keep <= 0) return m;
  std::nth_element(order.begin(), order.begin() + (keep - 1), order.end(), before);
  for (Eigen::Index k = 0; k < keep; ++k) m.data()[order[static_cast<std::size_t>(k)]] = 1.0f;
  return m;
}

namespace {

// Adam on one matrix.
struct Adam {
  Eigen::MatrixXf m, v;
  double lr, b1, b2, eps;
  long t = 0;
  Adam(Eigen::Index rows, Eigen::Index cols, double lr_, const config::AdamConfig& a)
      : m(Eigen::MatrixXf::Zero(rows, cols)),
        v(Eigen::MatrixXf::Zero(rows, cols)),
        lr(lr_),
        b1(a.beta1),
        b2(a.beta2),
        eps(a.eps) {}
  void step(Eigen::MatrixXf& p, const Eigen::MatrixXf& g) {
    ++t;
    m = static_cast<float>(b1) * m + static_cast<float>(1 - b1) * g;
    v = static_cast<float>(b2) * v + static_cast<float>(1 - b2) * g.cwiseProduct(g);
    const double c1 = 1 - std::pow(b1, static_cast<double>(t)), c2 = 1 - std::pow(b2, static_cast<double>(t));
    const float a = static_cast<float>(lr / c1);
    p.array() -= a * m.array() / ((v.array() / static_cast<float>(c2)).sqrt() + static_cast<float>(eps));
  }
};

struct Grad {
  Eigen::MatrixXf w1, w2;
  double loss = 0;
  long correct = 0;
};

// Forward and back-propagation through time for one batch. x[t]: inputs x B.
Grad batch_gradient(const Eigen::MatrixXf& w1, const Eigen::MatrixXf& w2, const std::vector<Eigen::MatrixXf>& x,
                    const std::vector<int>& labels, const config::PrimeNetworkConfig& c) {
  const int T = static_cast<int>(x.size());
  const Eigen::Index B = x[0].cols(), H = w1.rows(), K = w2.rows();
  const float beta = static_cast<float>(c.beta), th = static_cast<float>(c.threshold);
  const float bo = static_cast<float>(c.output_beta), a = static_cast<float>(c.surrogate_half_width);
  std::vector<Eigen::MatrixXf> u(static_cast<std::size_t>(T)), s(static_cast<std::size_t>(T)),
      o_all(static_cast<std::size_t>(T));
  Eigen::MatrixXf uu = Eigen::MatrixXf::Zero(H, B), ss = Eigen::MatrixXf::Zero(H, B), o = Eigen::MatrixXf::Zero(K, B);
  for (int t = 0; t < T; ++t) {
    uu = beta * uu.cwiseProduct((1.0f - ss.array()).matrix()) + w1 * x[static_cast<std::size_t>(t)];
    ss = (uu.array() > th).cast<float>().matrix();
    o = bo * o + w2 * ss;
    o_all[static_cast<std::size_t>(t)] = o;
    u[static_cast<std::size_t>(t)] = uu;
    s[static_cast<std::size_t>(t)] = ss;
  }
  Grad g;
  std::vector<Eigen::MatrixXf> d_o(static_cast<std::size_t>(T), Eigen::MatrixXf(K, B));
  for (int t = 0; t < T; ++t) {
    const Eigen::MatrixXf& ot = o_all[static_cast<std::size_t>(t)];
    Eigen::MatrixXf& d = d_o[static_cast<std::size_t>(t)];
    for (Eigen::Index b = 0; b < B; ++b) {
      const Eigen::VectorXf z = ot.col(b);
      const float m = z.maxCoeff();
      const Eigen::ArrayXf e = (z.array() - m).exp();
      const float sum = e.sum();
      const int y = labels[static_cast<std::size_t>(b)];
      g.loss += (std::log(static_cast<double>(sum)) - static_cast<double>(z(y) - m)) / T;
      if (t == T - 1) {
        Eigen::Index k = 0;
        z.maxCoeff(&k);
        if (k == y) ++g.correct;
      }
      d.col(b) = (e / sum).matrix();
      d(y, b) -= 1.0f;
    }
    d /= static_cast<float>(B) * static_cast<float>(T);
  }
  g.w1 = Eigen::MatrixXf::Zero(w1.rows(), w1.cols());
  g.w2 = Eigen::MatrixXf::Zero(w2.rows(), w2.cols());
  Eigen::MatrixXf du_next = Eigen::MatrixXf::Zero(H, B), go = Eigen::MatrixXf::Zero(K, B);
  for (int t = T - 1; t >= 0; --t) {
    const auto& st = s[static_cast<std::size_t>(t)];
    go = bo * go + d_o[static_cast<std::size_t>(t)];  // O_t feeds the loss at t and O_{t+1}
    g.w2.noalias() += go * st.transpose();
    const Eigen::MatrixXf ds = w2.transpose() * go;
    const Eigen::MatrixXf surrogate =
        ((u[static_cast<std::size_t>(t)].array() - th).abs() < a).cast<float>().matrix() / (2.0f * a);
    // U_{t+1} = beta U_t (1 - s_t) + ...: the reset factor is a constant.
    Eigen::MatrixXf du = ds.cwiseProduct(surrogate);
    if (t + 1 < T) du += beta * du_next.cwiseProduct((1.0f - st.array()).matrix());
    g.w1.noalias() += du * x[static_cast<std::size_t>(t)].transpose();
    du_next = std::move(du);
  }
  return g;
}

}  // namespace

TrainOutcome train(const config::Config& cfg, const SpikingNet& start, const Dataset& data, TrainMode mode,
                   std::ostream& log) {
  const auto& p = cfg.prime;
  const bool topology = mode == TrainMode::topology;
  const int epochs = topology ? p.train.epochs : p.train.weight_epochs;
  const double lr = topology ? p.train.learning_rate : p.train.weight_learning_rate;
  TrainOutcome out;
  out.net = start;
  SpikingNet& net = out.net;
  Eigen::MatrixXf s1, s2;  // scores
  if (topology) {
    Rng rng(derive_seed(cfg.seed, "prime-scores"));
    Eigen::MatrixXd a(net.w1.rows(), net.w1.cols()), b(net.w2.rows(), net.w2.cols());
    rng.fill_uniform(a, 0.0, 1.0);
    rng.fill_uniform(b, 0.0, 1.0);
    s1 = a.cast<float>();
    s2 = b.cast<float>();
    net.m1 = top_k_mask(s1, p.network.sparsity);
    net.m2 = top_k_mask(s2, p.network.sparsity);
  } else {
    net.m1.setOnes();
    net.m2.setOnes();
  }
  Adam o1(net.w1.rows(), net.w1.cols(), lr, cfg.training.adam), o2(net.w2.rows(), net.w2.cols(), lr, cfg.training.adam);
  const Eigen::Index n = data.pixels.cols();
  const Eigen::Index B = std::min<Eigen::Index>(p.train.batch_size, n);
  Rng order_rng(derive_seed(cfg.seed, topology ? "prime-order-topology" : "prime-order-weights"));
  const auto t_start = std::chrono::steady_clock::now();
  for (int epoch = 0; epoch < epochs; ++epoch) {
    const auto e_start = std::chrono::steady_clock::now();
    std::vector<Eigen::Index> order(static_cast<std::size_t>(n));
    std::iota(order.begin(), order.end(), Eigen::Index{0});
    order_rng.shuffle(order);
    double loss = 0;
    long correct = 0, seen = 0;
    for (Eigen::Index first = 0; first + B <= n; first += B) {
      std::vector<Eigen::MatrixXf> x(static_cast<std::size_t>(p.data.steps), Eigen::MatrixXf(net.inputs(), B));
      std::vector<int> labels(static_cast<std::size_t>(B));
      for (Eigen::Index b = 0; b < B; ++b) {
        const Eigen::Index i = order[static_cast<std::size_t>(first + b)];
        const Eigen::MatrixXf sp = image_spikes(cfg, data, i, true, static_cast<std::uint64_t>(epoch));
        for (int t = 0; t < p.data.steps; ++t) x[static_cast<std::size_t>(t)].col(b) = sp.col(t);
        labels[static_cast<std::size_t>(b)] = data.labels[static_cast<std::size_t>(i)];
      }
      const Grad g = batch_gradient(net.w1_effective(), net.w2_effective(), x, labels, p.network);
      loss += g.loss;
      correct += g.correct;
      seen += B;
      if (topology) {
        // Straight through the top-k: dL/ds = dL/dW_eff . W . sign(s).
        o1.step(s1, g.w1.cwiseProduct(net.w1).cwiseProduct(s1.cwiseSign()));
        o2.step(s2, g.w2.cwiseProduct(net.w2).cwiseProduct(s2.cwiseSign()));
        net.m1 = top_k_mask(s1, p.network.sparsity);
        net.m2 = top_k_mask(s2, p.network.sparsity);
      } else {
        o1.step(net.w1, g.w1);
        o2.step(net.w2, g.w2);
      }
    }
    TrainLog l;
    l.epoch = epoch + 1;
    l.loss = seen ? loss / static_cast<double>(seen) : 0;
    l.train_accuracy = seen ? static_cast<double>(correct) / static_cast<double>(seen) : 0;
    l.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - e_start).count();
    out.epochs.push_back(l);
    log << (topology ? "topology" : "weights") << " epoch " << l.epoch << "/" << epochs << ": loss " << l.loss
        << ", train accuracy " << l.train_accuracy << " (" << l.seconds << " s)\n"
        << std::flush;
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  return out;
}

Evaluation evaluate(const config::Config& cfg, const SpikingNet& net, const Dataset& d) {
  Evaluation e;
  const int T = cfg.prime.data.steps;
  double steps = 0, ops = 0, ops_run = 0;
  long full = 0, early = 0;
  const double fan1 = net.m1.sum() / static_cast<double>(net.inputs());  // kept synapses per input
  const double fan2 = net.m2.sum() / static_cast<double>(net.hidden());
  for (Eigen::Index i = 0; i < d.pixels.cols(); ++i) {
    const ImageResult r = run_image(net, image_spikes(cfg, d, i, false), cfg.prime.early_stop);
    const int y = d.labels[static_cast<std::size_t>(i)];
    full += r.predicted_full == y;
    early += r.predicted == y;
    steps += r.steps;
    e.input_spikes += static_cast<double>(r.input_spikes);
    e.hidden_spikes += static_cast<double>(r.hidden_spikes);
    e.input_spikes_run += static_cast<double>(r.input_spikes_run);
    e.hidden_spikes_run += static_cast<double>(r.hidden_spikes_run);
    ops += static_cast<double>(r.input_spikes) * fan1 + static_cast<double>(r.hidden_spikes) * fan2;
    ops_run += static_cast<double>(r.input_spikes_run) * fan1 + static_cast<double>(r.hidden_spikes_run) * fan2;
  }
  e.images = static_cast<long>(d.pixels.cols());
  const double n = static_cast<double>(std::max<long>(e.images, 1));
  e.accuracy_full = static_cast<double>(full) / n;
  e.accuracy_early = static_cast<double>(early) / n;
  e.mean_steps = steps / n;
  e.steps_saved = 1.0 - e.mean_steps / T;
  e.input_spikes /= n;
  e.hidden_spikes /= n;
  e.input_spikes_run /= n;
  e.hidden_spikes_run /= n;
  e.load_saved = ops > 0 ? 1.0 - ops_run / ops : 0.0;
  return e;
}

}  // namespace memcosim::tasks::prime
