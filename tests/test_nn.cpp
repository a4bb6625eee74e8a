// Tests of src/nn: score network, its training objective and optimiser, the
// weight-noise model, weight files and the ring data set.
#include <catch2/catch.hpp>

#include "support.hpp"

#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <sstream>
#include <string>
#include <vector>

#include "nn/dataset.hpp"
#include "nn/score_net.hpp"
#include "nn/train.hpp"
#include "nn/weights.hpp"
#include "util/error.hpp"
#include "util/random.hpp"

using namespace memcosim;
using namespace memcosim::nn;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {

// ---------------------------------------------------------------------------
// An independent, loop-by-loop evaluation of the network (no Eigen products,
// no code shared with src/nn), written from the definition in score_net.hpp.

double ref_gelu(double u) { return 0.5 * u * (1.0 + std::erf(u / std::sqrt(2.0))); }

struct RefPass {
  std::vector<std::vector<double>> pre;  // pre-activations of each hidden layer
  std::vector<std::vector<double>> h;    // post-ReLU activations
  std::vector<double> s;                 // score
};

// Class embedding k(c) (c = -1: masked, all-zero one-hot).
std::vector<double> ref_class_embedding(const ScoreNet& net, int c) {
  const Dense& l1 = net.class_layers()[0];
  const Dense& l2 = net.class_layers()[1];
  const Eigen::Index E = l1.W.rows();
  std::vector<double> g(static_cast<std::size_t>(E)), k(static_cast<std::size_t>(E));
  for (Eigen::Index e = 0; e < E; ++e) g[e] = ref_gelu((c >= 0 ? l1.W(e, c) : 0.0) + l1.b[e]);
  for (Eigen::Index e = 0; e < E; ++e) {
    double acc = l2.b[e];
    for (Eigen::Index f = 0; f < E; ++f) acc += l2.W(e, f) * g[f];
    k[e] = acc;
  }
  return k;
}

RefPass ref_forward(const ScoreNet& net, const VectorXd& x, double t, int c) {
  RefPass r;
  std::vector<double> a(x.data(), x.data() + x.size());
  std::vector<double> k;
  if (net.arch().num_classes > 0) k = ref_class_embedding(net, c);
  const auto& w = net.frequencies();
  const std::size_t L = net.arch().hidden.size();
  for (std::size_t l = 0; l < L; ++l) {
    const Dense& d = net.layers()[l];
    const Eigen::Index h = d.W.rows();
    std::vector<double> pre(static_cast<std::size_t>(h)), out(static_cast<std::size_t>(h));
    for (Eigen::Index i = 0; i < h; ++i) {
      double acc = d.b[i];
      for (Eigen::Index j = 0; j < d.W.cols(); ++j) acc += d.W(i, j) * a[j];
      // Unit i < h/2 gets sin(2 pi w_i t), unit i >= h/2 gets cos(2 pi w_{i-h/2} t).
      acc += i < h / 2 ? std::sin(2 * std::numbers::pi * w[i] * t) : std::cos(2 * std::numbers::pi * w[i - h / 2] * t);
      if (!k.empty()) acc += k[i];
      pre[i] = acc;
      out[i] = acc > 0 ? acc : 0.0;
    }
    r.pre.push_back(pre);
    r.h.push_back(out);
    a = out;
  }
  const Dense& d = net.layers()[L];
  for (Eigen::Index i = 0; i < d.W.rows(); ++i) {
    double acc = d.b[i];
    for (Eigen::Index j = 0; j < d.W.cols(); ++j) acc += d.W(i, j) * a[j];
    r.s.push_back(net.arch().output_gain * acc);
  }
  return r;
}

ScoreNet with_params(const ScoreNet& net, const VectorXd& theta) {
  ScoreNet copy = net;
  copy.set_params(theta);
  return copy;
}

bool bitwise_equal(const VectorXd& a, const VectorXd& b) {
  return a.size() == b.size() &&
         std::memcmp(a.data(), b.data(), sizeof(double) * static_cast<std::size_t>(a.size())) == 0;
}

// ---------------------------------------------------------------------------
// Finite-difference gradient check of loss_and_gradient for one network.

struct GradCase {
  Architecture arch;
  std::vector<int> labels;  // empty for unconditional
};

void check_gradient(const GradCase& gc) {
  const Eigen::Index n = 6;
  TrainOptions opt;
  opt.activation_threshold = 0.3;  // low, so that the penalty is active
  opt.activation_penalty = 0.05;   // large enough to move the gradient well above tolerance
  opt.schedule = {0.001, 0.5};
  const int C = gc.arch.num_classes;

  // Look (deterministically) for a draw whose pre-activations and penalised
  // activations all stay away from the kinks at 0 and at the threshold, so
  // that central differences see a smooth function.
  const double margin = 1e-3;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    Rng rng(seed);
    ScoreNet net(gc.arch);
    net.init(rng);
    MatrixXd x0(2, n), z(2, n);
    VectorXd t(n);
    rng.fill_uniform(x0, -1.0, 1.0);
    rng.fill_normal(z);
    for (Eigen::Index j = 0; j < n; ++j) t[j] = rng.uniform(0.05, 1.0);
    VectorXd mult(net.num_params());
    sample_weight_noise(WeightNoise{}, rng, mult);
    const VectorXd theta = net.params();
    const ScoreNet noisy = with_params(net, theta.cwiseProduct(mult));

    double closest = 1e300;
    int above = 0;
    double ref_loss_sm = 0, ref_pen = 0;
    for (Eigen::Index j = 0; j < n; ++j) {
      const double a = opt.schedule.alpha(t[j]), sg = opt.schedule.sigma(t[j]);
      const VectorXd xt = a * x0.col(j) + sg * z.col(j);
      const RefPass r = ref_forward(noisy, xt, t[j], C > 0 ? gc.labels[j] : 0);
      for (std::size_t l = 0; l < r.pre.size(); ++l)
        for (std::size_t i = 0; i < r.pre[l].size(); ++i) {
          closest = std::min(closest, std::abs(r.pre[l][i]));
          closest = std::min(closest, std::abs(r.h[l][i] - opt.activation_threshold));
          if (r.h[l][i] > opt.activation_threshold) {
            ++above;
            ref_pen += r.h[l][i];
          }
        }
      for (int d = 0; d < 2; ++d) ref_loss_sm += std::pow(r.s[d] * sg + z(d, j), 2);
    }
    ref_loss_sm /= 2.0 * n;
    if (closest < margin || above < 3) continue;

    const std::vector<int>* labels = C > 0 ? &gc.labels : nullptr;
    VectorXd grad;
    const LossTerms lt = loss_and_gradient(net, x0, t, z, labels, &mult, opt, &grad);
    INFO("seed " << seed << ", closest kink " << closest << ", " << above << " penalised activations");
    // The loss is the published one, evaluated independently.
    CHECK(lt.score_matching == Approx(ref_loss_sm).epsilon(1e-12));
    CHECK(lt.penalty_sum == Approx(ref_pen).epsilon(1e-12));
    CHECK(lt.total == Approx(ref_loss_sm + opt.activation_penalty * ref_pen).epsilon(1e-12));
    REQUIRE(grad.size() == net.num_params());

    // Central differences for every parameter.
    const double delta = 1e-6;
    int checked = 0, significant = 0;
    for (Eigen::Index i = 0; i < theta.size(); ++i) {
      VectorXd tp = theta, tm = theta;
      tp[i] += delta;
      tm[i] -= delta;
      const double lp = loss_and_gradient(with_params(net, tp), x0, t, z, labels, &mult, opt, nullptr).total;
      const double lm = loss_and_gradient(with_params(net, tm), x0, t, z, labels, &mult, opt, nullptr).total;
      const double fd = (lp - lm) / (2 * delta);
      const double err = std::abs(fd - grad[i]);
      const double tol = 1e-6 * std::max(std::abs(fd), std::abs(grad[i])) + 1e-8;
      if (err > tol) FAIL_CHECK("parameter " << i << ": analytic " << grad[i] << " vs FD " << fd);
      ++checked;
      if (std::abs(grad[i]) > 1e-4) ++significant;
    }
    CHECK(checked == net.num_params());
    // A mostly-zero gradient would make the comparison vacuous.
    CHECK(significant > net.num_params() / 2);
    // The multipliers enter the gradient: without them it differs.
    VectorXd clean_grad;
    loss_and_gradient(net, x0, t, z, labels, nullptr, opt, &clean_grad);
    CHECK((clean_grad - grad).norm() > 1e-3 * grad.norm());
    return;
  }
  FAIL("no draw kept all activations away from the kinks");
}

}  // namespace

// ---------------------------------------------------------------------------

TEST_CASE("nn: loss gradient matches central differences for every parameter", "[nn]") {
  SECTION("unconditional, unequal hidden widths") {
    GradCase gc;
    gc.arch.hidden = {6, 4};
    check_gradient(gc);
  }
  SECTION("conditional (3 classes, masked labels included)") {
    GradCase gc;
    gc.arch.hidden = {4, 6};
    gc.arch.num_classes = 3;
    gc.labels = {0, 1, 2, -1, 1, 0};
    check_gradient(gc);
  }
}

TEST_CASE("nn: forward pass matches a hand computation", "[nn]") {
  // input 2 -> 4 -> 2 -> 2 with hand-set weights. Frequencies (0.5, 0.25) at
  // t = 0.5 give phases pi/2 and pi/4, so with r = sqrt(1/2)
  //   e(t) = [sin pi/2, sin pi/4, cos pi/2, cos pi/4] = [1, r, 0, r].
  // The width-4 layer adds all of it; the width-2 layer adds
  // [sin(2 pi w_0 t), cos(2 pi w_0 t)] = [1, 0] (not the first two entries [1, r]).
  Architecture arch;
  arch.hidden = {4, 2};
  ScoreNet net(arch);
  net.frequencies() << 0.5, 0.25;
  auto& L = net.layers();
  L[0].W << 1, 0, 0, 1, 1, -1, -2, 0.5;
  L[0].b << 0.1, -0.2, 0.3, 0.5;
  L[1].W << 1, 1, -1, 0.5, 0.5, 0, 0.5, 1;
  L[1].b << 0.2, -0.3;
  L[2].W << 0.5, -1, 2, 0.25;
  L[2].b << 0.1, -0.1;
  const double r = std::sqrt(0.5);
  const double t = 0.5;

  const VectorXd e = net.time_embedding(t);
  REQUIRE(e.size() == 4);
  CHECK(e[0] == Approx(1.0).margin(1e-15));
  CHECK(e[1] == Approx(r).margin(1e-15));
  CHECK(e[2] == Approx(0.0).margin(1e-15));
  CHECK(e[3] == Approx(r).margin(1e-15));

  MatrixXd x(2, 2);
  x << 0.5, -1, -1, 2;  // columns (0.5, -1) and (-1, 2)
  // Column 0: pre1 = [0.6, -1.2, 1.8, -1.0] + e = [1.6, r - 1.2, 1.8, r - 1]; h1 = [1.6, 0, 1.8, 0]
  //           pre2 = W2 h1 + b2 + [1, 0] = [-0.2, 1.7] + [0.2, -0.3] + [1, 0] = [1, 1.4]
  //           s = 5 (W3 h2 + b3) = 5 [-0.9 + 0.1, 2.35 - 0.1] = [-4, 11.25]
  // Column 1: pre1 = [-0.9, 1.8, -2.7, 3.5] + e = [0.1, 1.8 + r, -2.7, 3.5 + r]; h1 = [0.1, 1.8 + r, 0, 3.5 + r]
  //           pre2 = [3.65 + 1.5 r, 3.55 + r] + [0.2, -0.3] + [1, 0] = [4.85 + 1.5 r, 3.25 + r]
  //           s = 5 [0.5 (4.85 + 1.5 r) - (3.25 + r) + 0.1, 2 (4.85 + 1.5 r) + 0.25 (3.25 + r) - 0.1]
  //             = [-3.625 - 1.25 r, 52.0625 + 16.25 r]
  MatrixXd expected(2, 2);
  expected << -4.0, -3.625 - 1.25 * r, 11.25, 52.0625 + 16.25 * r;

  MatrixXd out(2, 2);
  net.forward(x, e, nullptr, out);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j) CHECK(out(i, j) == Approx(expected(i, j)).epsilon(1e-14).margin(1e-14));

  MatrixXd via_score(2, 2);
  net.score(x, t, via_score);
  CHECK(via_score == out);

  const auto h = net.hidden_activations(x, e, nullptr);
  REQUIRE(h.size() == 2);
  MatrixXd h1(4, 2), h2(2, 2);
  h1 << 1.6, 0.1, 0, 1.8 + r, 1.8, 0, 0, 3.5 + r;
  h2 << 1.0, 4.85 + 1.5 * r, 1.4, 3.25 + r;
  CHECK((h[0] - h1).cwiseAbs().maxCoeff() < 1e-14);
  CHECK((h[1] - h2).cwiseAbs().maxCoeff() < 1e-14);

  SECTION("class embedding: GELU MLP, first h entries added to each layer") {
    Architecture ca = arch;
    ca.num_classes = 2;
    ScoreNet cnet(ca);
    cnet.frequencies() = net.frequencies();
    cnet.layers() = net.layers();
    auto& K = cnet.class_layers();
    K[0].W << 1, 0, 0, 1, 0, 0, -1, 0;  // columns = classes
    K[0].b << 0.5, -0.5, 0, 1;
    K[1].W = Eigen::Vector4d(1, 2, 1, 1).asDiagonal();
    K[1].b << 0, 0.1, 0, 0;
    // gelu(u) = u Phi(u). Class 0: u = [1.5, -0.5, 0, 0]; masked: u = b = [0.5, -0.5, 0, 1].
    auto g = [](double u) { return u * 0.5 * std::erfc(-u / std::sqrt(2.0)); };
    const Eigen::Vector4d k0(g(1.5), 2 * g(-0.5) + 0.1, 0, 0);
    const Eigen::Vector4d km(g(0.5), 2 * g(-0.5) + 0.1, 0, g(1.0));
    CHECK((cnet.class_embedding(0) - k0).cwiseAbs().maxCoeff() < 1e-15);
    CHECK((cnet.class_embedding(-1) - km).cwiseAbs().maxCoeff() < 1e-15);
    CHECK_THROWS_AS(cnet.class_embedding(2), std::invalid_argument);

    // Adding k to the pre-activations equals shifting the biases by its head.
    for (int c : {0, 1, -1}) {
      const VectorXd k = cnet.class_embedding(c);
      ScoreNet shifted = net;
      shifted.layers()[0].b += k.head(4);
      shifted.layers()[1].b += k.head(2);
      MatrixXd want(2, 2), got(2, 2);
      shifted.forward(x, e, nullptr, want);
      cnet.forward(x, e, &k, got);
      CHECK((got - want).cwiseAbs().maxCoeff() < 1e-12);
      ConditionalScore cs(cnet, c);
      MatrixXd via_cs(2, 2);
      cs.score(x, t, via_cs);
      CHECK(via_cs == got);
    }
    // The unconditional score of a conditional net uses the masked class.
    MatrixXd uncond(2, 2), masked(2, 2);
    cnet.score(x, t, uncond);
    ConditionalScore(cnet, -1).score(x, t, masked);
    CHECK(uncond == masked);
  }

  SECTION("random nets agree with the loop-by-loop reference") {
    for (const auto& widths : {std::vector<int>{14, 14}, std::vector<int>{8, 4, 6}}) {
      Architecture ra;
      ra.hidden = widths;
      ra.num_classes = 3;
      ScoreNet rnet(ra);
      Rng rng(11);
      rnet.init(rng);
      MatrixXd xs(2, 5);
      rng.fill_normal(xs);
      const double tt = 0.37;
      const VectorXd kc = rnet.class_embedding(1);
      MatrixXd s(2, 5);
      rnet.forward(xs, rnet.time_embedding(tt), &kc, s);
      for (int j = 0; j < 5; ++j) {
        const RefPass rp = ref_forward(rnet, xs.col(j), tt, 1);
        CHECK(s(0, j) == Approx(rp.s[0]).epsilon(1e-12).margin(1e-13));
        CHECK(s(1, j) == Approx(rp.s[1]).epsilon(1e-12).margin(1e-13));
      }
    }
  }
}

TEST_CASE("nn: architecture and argument validation", "[nn]") {
  Architecture odd;
  odd.hidden = {14, 7};
  CHECK_THROWS_WITH(ScoreNet(odd), Catch::Contains("architecture.hidden[1] must be even"));
  Architecture tiny;
  tiny.hidden = {0};
  CHECK_THROWS_WITH(ScoreNet(tiny), Catch::Contains("hidden[0] must be >= 2"));
  Architecture none;
  none.hidden.clear();
  CHECK_THROWS_WITH(ScoreNet(none), Catch::Contains("at least one hidden layer"));
  Architecture mismatch;
  mismatch.output_dim = 3;
  CHECK_THROWS_WITH(ScoreNet(mismatch), Catch::Contains("output_dim must equal input_dim"));
  Architecture gain;
  gain.output_gain = std::nan("");
  CHECK_THROWS_WITH(ScoreNet(gain), Catch::Contains("output_gain"));

  ScoreNet net{Architecture{}};
  // 2*14+14 + 14*14+14 + 14*2+2 parameters.
  CHECK(net.num_params() == 282);
  CHECK_THROWS_AS(net.set_params(VectorXd::Zero(281)), std::invalid_argument);
  MatrixXd out(2, 3);
  CHECK_THROWS_AS(net.forward(MatrixXd::Zero(2, 3), VectorXd::Zero(12), nullptr, out), std::invalid_argument);
  CHECK_THROWS_AS(ConditionalScore(net, 0), std::invalid_argument);

  TrainOptions bad;
  bad.batch_size = 0;
  bad.ema_decay = 1.0;
  CHECK_THROWS_WITH(bad.validate(), Catch::Contains("batch_size") && Catch::Contains("ema_decay"));
  const MatrixXd data = MatrixXd::Zero(2, 10);
  const std::vector<int> labels(10, 0);
  TrainOptions ok;
  ok.epochs = 1;
  CHECK_THROWS_WITH(train(net, data, &labels, ok), Catch::Contains("unconditional"));
  CHECK_THROWS_AS(train(net, MatrixXd::Zero(3, 10), nullptr, ok), std::invalid_argument);
}

TEST_CASE("nn: weight-noise multipliers follow the published truncation", "[nn]") {
  const WeightNoise wn;  // sigma 0.1, clip 0.2
  Rng rng(2024);
  const Eigen::Index n = 1000000;
  VectorXd m(n);
  const Eigen::Index replaced = sample_weight_noise(wn, rng, m);

  CHECK(m.minCoeff() > 0.8);
  CHECK(m.maxCoeff() < 1.2);
  const VectorXd eta = m.array() - 1.0;
  const double mean = eta.mean();
  const double m2 = eta.squaredNorm() / n;
  const double m4 = eta.array().pow(4).mean();
  // |eta| >= 2 sigma has probability erfc(sqrt 2) = 4.55 %.
  const double p = std::erfc(std::sqrt(2.0));
  const double frac = static_cast<double>(replaced) / n;
  CHECK(std::abs(frac - p) < 5 * std::sqrt(p * (1 - p) / n));
  CHECK(std::abs(mean) < 5 * std::sqrt(m2 / n));
  // E eta^2 = sigma^2 [P(|Z| < 2) - 4 phi(2)] + p clip^2 / 3 for the
  // normal core plus uniform replacements. (Clipping to +-clip would give
  // 0.0092, redrawing a normal 0.0077: both far outside the bound.)
  const double phi2 = std::exp(-2.0) / std::sqrt(2 * std::numbers::pi);
  const double expected_m2 = 0.01 * ((1 - p) - 4 * phi2) + p * 0.04 / 3;
  CHECK(std::abs(m2 - expected_m2) < 5 * std::sqrt((m4 - m2 * m2) / n));
  // Replacements are uniform on (-clip, clip): the band 0.15 <= |eta| < 0.2
  // holds the normal mass there plus a quarter of the replacements.
  const double band = (eta.array().abs() >= 0.15).cast<double>().mean();
  const double normal_band = std::erfc(1.5 / std::sqrt(2.0)) - p;
  const double expected_band = normal_band + p * 0.25;
  CHECK(std::abs(band - expected_band) < 5 * std::sqrt(expected_band / n));

  VectorXd ones(10);
  CHECK(sample_weight_noise(WeightNoise{false, 0.1, 0.2}, rng, ones) == 0);
  CHECK((ones.array() == 1.0).all());
}

namespace {
// The template weight file of the malformed-file tests; line numbers matter.
const char* const kTinyWeights = R"(format: memcosim-score-network
version: 1
architecture:
  input_dim: 2
  hidden: [2, 2]
  output_dim: 2
  num_classes: 0
  output_gain: 5
  embedding_scale: 1
schedule:
  kind: vp-linear
  beta_min: 0.001
  beta_max: 0.5
time_embedding:
  frequencies: [0.3]
layers:
  - name: hidden1
    shape: [2, 2]
    weight:
      - [0.1, 0.2]
      - [0.3, 0.4]
    bias: [0.0, 0.1]
  - name: hidden2
    shape: [2, 2]
    weight:
      - [0.5, 0.6]
      - [0.7, 0.8]
    bias: [0.2, 0.3]
  - name: output
    shape: [2, 2]
    weight:
      - [0.9, 1.0]
      - [1.1, 1.2]
    bias: [0.4, 0.5]
provenance:
  config: hand-written
  seed: 7
)";

// kTinyWeights with 1-based line `line` replaced (or removed if text is null).
std::string edit_line(int line, const char* text) {
  std::istringstream in(kTinyWeights);
  std::string s, out;
  for (int i = 1; std::getline(in, s); ++i) {
    if (i == line) {
      if (!text) continue;
      s = text;
    }
    out += s + "\n";
  }
  return out;
}

void write_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::vector<Diagnostic> load_errors(const std::string& path) {
  try {
    load_weights(path);
  } catch (const InputError& e) {
    return e.diagnostics();
  }
  return {};
}

// Requires a diagnostic for key_path at path:line (and column if > 0) whose
// message contains `words`.
void require_diagnostic(const std::string& path, const std::string& text, const std::string& key_path, int line,
                        int column, const std::string& words) {
  write_file(path, text);
  std::string what;
  try {
    load_weights(path);
  } catch (const InputError& e) {
    what = e.what();
  }
  INFO("what(): " << what);
  const auto diags = load_errors(path);
  REQUIRE_FALSE(diags.empty());
  const Diagnostic* hit = nullptr;
  for (const auto& d : diags)
    if (d.key_path == key_path) hit = &d;
  REQUIRE(hit != nullptr);
  CHECK(hit->where.file == path);
  CHECK(hit->where.line == line);
  if (column > 0) CHECK(hit->where.column == column);
  CHECK_THAT(hit->message, Catch::Contains(words));
  const std::string located = path + ":" + std::to_string(line) + ":";
  CHECK_THAT(what, Catch::Contains(located) && Catch::Contains(key_path));
}
}  // namespace

TEST_CASE("nn: weight files round-trip bit-exactly", "[nn]") {
  test::TempDir dir("nn");
  for (int C : {0, 3}) {
    Architecture arch;
    arch.num_classes = C;
    arch.hidden = {14, 10};
    ScoreNet net(arch);
    Rng rng(99);
    net.init(rng);
    // Awkward doubles: subnormal, extremes, negative zero, many digits.
    VectorXd theta = net.params();
    theta[0] = 4.9406564584124654e-324;
    theta[1] = -1.7976931348623157e308;
    theta[2] = -0.0;
    theta[3] = 0.1 + 0.2;
    theta[4] = 1.0 / 3.0;
    net.set_params(theta);
    net.frequencies()[0] = -2.220446049250313e-16;
    Provenance prov;
    prov.config = "configs/ring.yaml: \"quoted\" and\nmultiline";
    prov.seed = 18446744073709551615ULL;
    prov.epochs = 10000;
    prov.steps = 200000;
    prov.final_loss = 0.12345678901234567;
    prov.train_seconds = 38.25;
    prov.dataset = "ring r~N(0.7, 0.04^2), 10000 points";
    const sde::VpSchedule sched{0.0015, 0.75};
    const std::string path = (dir / ("net" + std::to_string(C) + ".yaml")).string();
    save_weights(path, net, sched, prov);

    const LoadedModel m = load_weights(path);
    CHECK(m.net.arch() == arch);
    CHECK(bitwise_equal(m.net.params(), net.params()));
    CHECK(bitwise_equal(m.net.frequencies(), net.frequencies()));
    CHECK(std::signbit(m.net.params()[2]));
    CHECK(m.schedule.beta_min == sched.beta_min);
    CHECK(m.schedule.beta_max == sched.beta_max);
    CHECK(m.provenance == prov);
    MatrixXd x(2, 3), a(2, 3), b(2, 3);
    x << 0.1, -0.5, 0.7, 0.2, 0.3, -0.9;
    net.score(x, 0.3, a);
    m.net.score(x, 0.3, b);
    CHECK(a == b);
    // Saving the loaded model reproduces the file byte for byte.
    const std::string again = (dir / "again.yaml").string();
    save_weights(again, m.net, m.schedule, m.provenance);
    std::ifstream f1(path), f2(again);
    const std::string s1((std::istreambuf_iterator<char>(f1)), {}), s2((std::istreambuf_iterator<char>(f2)), {});
    CHECK(s1 == s2);
  }
}

TEST_CASE("nn: malformed weight files give located diagnostics", "[nn]") {
  test::TempDir dir("nn");
  const std::string path = (dir / "w.yaml").string();

  SECTION("the template is valid and rows are output neurons") {
    write_file(path, kTinyWeights);
    const LoadedModel m = load_weights(path);
    CHECK(m.net.arch().hidden == std::vector<int>{2, 2});
    CHECK(m.net.layers()[1].W(1, 0) == 0.7);
    CHECK(m.net.layers()[2].b[1] == 0.5);
    CHECK(m.net.frequencies()[0] == 0.3);
    CHECK(m.provenance.config == "hand-written");
    CHECK(m.provenance.seed == 7);
  }
  SECTION("bad shape") {
    require_diagnostic(path, edit_line(24, "    shape: [2, 3]"), "layers[1].shape", 24, 12,
                       "expected [2, 2] (from the architecture), got [2, 3]");
  }
  SECTION("row of the wrong length") {
    require_diagnostic(path, edit_line(26, "      - [0.5, 0.6, 0.7]"), "layers[1].weight[0]", 26, 9,
                       "expected 2 values, got 3");
  }
  SECTION("NaN") {
    require_diagnostic(path, edit_line(27, "      - [0.7, .nan]"), "layers[1].weight[1][1]", 27, 15,
                       "must be a finite number (got .nan)");
  }
  SECTION("infinity") {
    require_diagnostic(path, edit_line(34, "    bias: [0.4, -.inf]"), "layers[2].bias[1]", 34, 17, "finite");
  }
  SECTION("non-numeric value") {
    require_diagnostic(path, edit_line(12, "  beta_min: abc"), "schedule.beta_min", 12, 13,
                       "expected a number, got 'abc'");
  }
  SECTION("missing key") {
    // Without the output bias, reported at the output layer's mapping.
    require_diagnostic(path, edit_line(34, nullptr), "layers[2].bias", 29, 5, "missing required key 'bias'");
  }
  SECTION("misspelt key") {
    const std::string text = edit_line(34, "    bais: [0.4, 0.5]");
    require_diagnostic(path, text, "layers[2].bais", 34, 5, "unknown key");
    require_diagnostic(path, text, "layers[2].bias", 29, 5, "missing required key");
  }
  SECTION("wrong version") {
    require_diagnostic(path, edit_line(2, "version: 2"), "version", 2, 10, "unsupported version 2");
  }
  SECTION("wrong format") {
    require_diagnostic(path, edit_line(1, "format: something-else"), "format", 1, 9,
                       "expected 'memcosim-score-network'");
  }
  SECTION("YAML syntax error") {
    write_file(path, edit_line(13, "  beta_max: 0.5: 3"));
    const auto diags = load_errors(path);
    REQUIRE(diags.size() == 1);
    CHECK(diags[0].where.file == path);
    CHECK(diags[0].where.line == 13);
    CHECK_THAT(diags[0].message, Catch::Contains("syntax"));
  }
  SECTION("missing file") {
    const std::string missing = (dir / "does-not-exist.yaml").string();
    const auto diags = load_errors(missing);
    REQUIRE(diags.size() == 1);
    CHECK(diags[0].where.file == missing);
    CHECK_THAT(diags[0].message, Catch::Contains("cannot open"));
  }
  SECTION("odd hidden width") {
    require_diagnostic(path, edit_line(5, "  hidden: [3, 2]"), "architecture.hidden[0]", 5, 12, "must be even");
  }
  SECTION("hidden widths inconsistent with the layers") {
    // hidden2 becomes 4 wide: its shape, the output's fan-in and the
    // frequency count (max width / 2) all disagree with the file.
    const std::string text = edit_line(5, "  hidden: [2, 4]");
    require_diagnostic(path, text, "layers[1].shape", 24, 12, "expected [4, 2]");
    require_diagnostic(path, text, "layers[2].shape", 30, 12, "expected [2, 4]");
    require_diagnostic(path, text, "time_embedding.frequencies", 15, 16, "expected 2 values, got 1");
  }
  SECTION("every problem is reported in one pass") {
    std::string text = edit_line(27, "      - [0.7, .nan]");
    write_file(path, text);
    std::istringstream in(text);
    std::string s, out;
    for (int i = 1; std::getline(in, s); ++i)
      out += (i == 12 ? "  beta_min: abc" : i == 18 ? "    shape: [2]" : s) + "\n";
    write_file(path, out);
    const auto diags = load_errors(path);
    CHECK(diags.size() == 3);
    std::vector<std::string> keys;
    for (const auto& d : diags) keys.push_back(d.key_path);
    CHECK_THAT(keys, Catch::VectorContains(std::string("schedule.beta_min")));
    CHECK_THAT(keys, Catch::VectorContains(std::string("layers[0].shape")));
    CHECK_THAT(keys, Catch::VectorContains(std::string("layers[1].weight[1][1]")));
  }
}

TEST_CASE("nn: short training lowers the loss and is deterministic", "[nn]") {
  Rng data_rng(derive_seed(5, "data"));
  const MatrixXd data = sample_ring(0.7, 0.04, 1000, data_rng);
  TrainOptions opt;
  opt.epochs = 150;
  opt.batch_size = 128;  // 8 steps per epoch, the last one partial (104 samples)
  opt.learning_rate = 2e-3;
  opt.seed = 3;

  std::vector<int> seen;
  ScoreNet a{Architecture{}};
  const TrainResult ra = train(a, data, nullptr, opt, [&](int epoch, double) { seen.push_back(epoch); });
  REQUIRE(ra.epoch_loss.size() == 150);
  CHECK(ra.steps == 150 * 8);
  CHECK(ra.final_loss == ra.epoch_loss.back());
  CHECK(seen.size() == 150);
  CHECK(seen.front() == 1);
  CHECK(seen.back() == 150);
  double first = 0, last = 0;
  for (int e = 0; e < 10; ++e) {
    first += ra.epoch_loss[e] / 10;
    last += ra.epoch_loss[140 + e] / 10;
  }
  INFO("mean loss of the first 10 epochs " << first << ", of the last 10 " << last);
  CHECK(last < 0.8 * first);

  ScoreNet b{Architecture{}};
  const TrainResult rb = train(b, data, nullptr, opt);
  CHECK(bitwise_equal(a.params(), b.params()));
  CHECK(bitwise_equal(a.frequencies(), b.frequencies()));
  CHECK(ra.epoch_loss == rb.epoch_loss);

  TrainOptions other = opt;
  other.seed = 4;
  ScoreNet c{Architecture{}};
  train(c, data, nullptr, other);
  CHECK_FALSE(bitwise_equal(a.params(), c.params()));

  SECTION("conditional training with class dropout is deterministic too") {
    Architecture ca;
    ca.num_classes = 3;
    MatrixXd cdata(2, 300);
    std::vector<int> labels(300);
    Rng rng(8);
    for (int j = 0; j < 300; ++j) {
      labels[j] = j % 3;
      cdata.col(j) = Eigen::Vector2d(std::cos(2.1 * labels[j]), std::sin(2.1 * labels[j])) * 0.6 +
                     0.05 * Eigen::Vector2d(rng.normal(), rng.normal());
    }
    TrainOptions co = opt;
    co.epochs = 40;
    ScoreNet p(ca), q(ca);
    const TrainResult rp = train(p, cdata, &labels, co);
    train(q, cdata, &labels, co);
    CHECK(bitwise_equal(p.params(), q.params()));
    CHECK(std::isfinite(rp.final_loss));
    // The class embedding was trained (it starts from the same init for both).
    ScoreNet init(ca);
    Rng init_rng(derive_seed(co.seed, "init"));
    init.init(init_rng);
    CHECK((p.class_layers()[1].W - init.class_layers()[1].W).norm() > 0);
  }
}

TEST_CASE("nn: ring samples have the published radius and uniform angle", "[nn]") {
  const Eigen::Index n = 200000;
  Rng rng(77);
  const MatrixXd x = sample_ring(0.7, 0.04, n, rng);
  REQUIRE(x.rows() == 2);
  REQUIRE(x.cols() == n);
  const VectorXd r = x.colwise().norm().transpose();
  const double mean = r.mean();
  const double sd = std::sqrt((r.array() - mean).square().sum() / (n - 1));
  CHECK(std::abs(mean - 0.7) < 5 * 0.04 / std::sqrt(double(n)));
  CHECK(std::abs(sd - 0.04) < 5 * 0.04 / std::sqrt(2.0 * n));

  const int bins = 16;
  std::vector<int> count(bins, 0);
  double sc = 0, ss = 0;
  for (Eigen::Index j = 0; j < n; ++j) {
    const double phi = std::atan2(x(1, j), x(0, j)) + std::numbers::pi;  // [0, 2 pi]
    count[std::min(bins - 1, static_cast<int>(phi / (2 * std::numbers::pi) * bins))]++;
    sc += x(0, j) / r[j];
    ss += x(1, j) / r[j];
  }
  const double expect = double(n) / bins;
  for (int c : count) CHECK(std::abs(c - expect) < 5 * std::sqrt(expect * (1 - 1.0 / bins)));
  // E cos = E sin = 0 with variance 1/2.
  CHECK(std::abs(sc / n) < 5 * std::sqrt(0.5 / n));
  CHECK(std::abs(ss / n) < 5 * std::sqrt(0.5 / n));

  Rng again(77);
  CHECK(sample_ring(0.7, 0.04, 10, again) == x.leftCols(10));
}

TEST_CASE("nn: the published training run yields a ring under the probability-flow ODE", "[nn][slow]") {
  // The full published configuration: 10,000 ring points, 10,000 epochs of
  // batches of 512, all TrainOptions defaults (about a minute single-threaded).
  Rng data_rng(derive_seed(1, "data"));
  const MatrixXd data = sample_ring(0.7, 0.04, 10000, data_rng);
  ScoreNet net{Architecture{}};
  const TrainOptions opt;
  const TrainResult res = train(net, data, nullptr, opt);
  CHECK(res.steps == 10000L * 20);
  CHECK(res.final_loss < res.epoch_loss.front());

  // Sample as published: x(1) ~ N(0, I), beta scaled by 2, PF-ODE
  // dx/dt = -1/2 beta(t) (x + s(x, t)) integrated by explicit Euler from t = 1
  // to 1e-3 (a test-local integrator: only the score is under test here).
  const sde::VpSchedule sampling = opt.schedule.scaled(2.0);
  const int N = 2000, steps = 1000;
  const double t0 = 1.0, t1 = 1e-3, dt = (t0 - t1) / steps;
  Rng rng(5);
  MatrixXd x(2, N), s(2, N);
  rng.fill_normal(x);
  for (int i = 0; i < steps; ++i) {
    const double t = t0 - i * dt;
    net.score(x, t, s);
    x += dt * 0.5 * sampling.beta(t) * (x + s);
  }
  const VectorXd r = x.colwise().norm().transpose();
  const double mean = r.mean();
  const double sd = std::sqrt((r.array() - mean).square().mean());
  INFO("generated radius mean " << mean << ", sd " << sd << "; target 0.7, 0.04");
  // A ring of about the right radius; the prior N(0, I) has mean radius 1.25, sd 0.65.
  CHECK(std::abs(mean - 0.7) < 0.05);
  CHECK(sd < 0.1);
}
