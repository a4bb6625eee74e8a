// The neural-field CT task (src/tasks/field/): phantom projections against
// closed forms and quadrature, FBP, the HAQ/PTQ cell decompositions against
// their bounds, the RRAM encoder, training determinism, and the circuit
// against the software field in the real libngspice.
#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>

#include "spice/emitter.hpp"
#include "spice/session.hpp"
#include "tasks/field/circuit.hpp"
#include "tasks/field/ct.hpp"
#include "tasks/field/infer.hpp"
#include "tasks/field/model.hpp"
#include "tasks/field/quant.hpp"
#include "tasks/field/train.hpp"
#include "util/numbers.hpp"
#include "util/random.hpp"

using namespace memcosim;
using namespace memcosim::tasks::field;

TEST_CASE("field: projections of a disc equal the closed form 2 mu sqrt(r^2 - s^2)", "[field]") {
  const double r = 0.37, mu = 1.7, cx = 0.21, cy = -0.13;
  const std::vector<Ellipse> disc{{r, r, cx, cy, 0.4, mu}};
  for (double theta : {0.0, 0.3, 1.2, 2.9})
    for (double s = -1.0; s <= 1.0; s += 0.0625) {
      const double sp = s - (cx * std::cos(theta) + cy * std::sin(theta));  // distance from the centre's ray
      const double expected = sp * sp < r * r ? 2 * mu * std::sqrt(r * r - sp * sp) : 0.0;
      CHECK(line_integral(disc, theta, s) == Approx(expected).margin(1e-14));
    }
}

TEST_CASE("field: phantom projections equal a quadrature of the phantom along the ray", "[field]") {
  const auto e = phantom_ellipses(config::PhantomKind::modified_shepp_logan);
  for (double theta : {0.0, 0.7, 1.9})
    for (double s : {-0.61, -0.2, 0.05, 0.33, 0.8}) {
      // midpoint rule over t in [-1.5, 1.5] with 300000 points: the
      // discontinuities at the ellipse edges cost O(h) = 1e-5 each.
      const int k = 300000;
      const double h = 3.0 / k;
      double sum = 0;
      for (int i = 0; i < k; ++i) {
        const double t = -1.5 + (i + 0.5) * h;
        sum += phantom_value(e, s * std::cos(theta) - t * std::sin(theta), s * std::sin(theta) + t * std::cos(theta));
      }
      CHECK(line_integral(e, theta, s) == Approx(sum * h).margin(2e-4));
    }
}

TEST_CASE("field: FBP of many views reconstructs the phantom, sparse views less well", "[field]") {
  const auto e = phantom_ellipses(config::PhantomKind::modified_shepp_logan);
  const Eigen::MatrixXd img = phantom_image(e, 64, 2);
  config::FieldProjectionConfig many, few;
  many.angles = 180;
  few.angles = 10;
  const double p_many = psnr(img, filtered_back_projection(project(e, many, 64, 1), 64));
  const double p_few = psnr(img, filtered_back_projection(project(e, few, 64, 1), 64));
  CHECK(p_many > 20.0);
  CHECK(p_few < p_many - 3.0);
  CHECK(ssim(img, img) == Approx(1.0));
  CHECK(psnr(img, img + Eigen::MatrixXd::Constant(64, 64, 0.01)) == Approx(40.0));  // peak 1, mse 1e-4
}

TEST_CASE("field: HAQ decomposition reproduces weights within Delta/2, PTQ within Delta'/2", "[field]") {
  Rng rng(5);
  for (double ratio : {1.5, 1.2, 2.0})
    for (int cells : {1, 4, 8}) {
      const double span = haq_span(cells, ratio);
      const double step = 0.013;
      for (int k = 0; k < 2000; ++k) {
        // every |w| <= Delta (S_n + 1/2) is covered by the bound
        const double w = rng.uniform(-1, 1) * step * (span + 0.5);
        const auto bits = haq_bits(w, step, cells, ratio);
        REQUIRE(bits.size() == static_cast<std::size_t>(cells));
        CHECK(std::abs(haq_value(bits, step, ratio) - w) <= step / 2 * (1 + 1e-12));
      }
    }
  nn::Mlp net(nn::MlpShape{6, {5}, 1});
  Rng init(3);
  net.init(init);
  config::FieldHaqConfig cfg;
  cfg.cell_noise = 0;
  QuantReport haq, ptq;
  const nn::Mlp h = quantise(net, Quantiser::haq, cfg, 1, &haq);
  const nn::Mlp p = quantise(net, Quantiser::ptq, cfg, 1, &ptq);
  for (std::size_t l = 0; l < net.layers().size(); ++l) {
    CHECK((h.layers()[l].W - net.layers()[l].W).cwiseAbs().maxCoeff() <= haq.steps[l] / 2 * (1 + 1e-12));
    CHECK((p.layers()[l].W - net.layers()[l].W).cwiseAbs().maxCoeff() <= ptq.steps[l] / 2 * (1 + 1e-12));
  }
  // with noise every switched-on cell moves: the network changes, deterministically
  cfg.cell_noise = 0.15;
  const nn::Mlp n1 = quantise(net, Quantiser::haq, cfg, 9), n2 = quantise(net, Quantiser::haq, cfg, 9);
  CHECK(n1.params() == n2.params());
  CHECK((n1.params() - h.params()).cwiseAbs().maxCoeff() > 0);
}

TEST_CASE("field: HAQ's closed loop corrects programming noise that open-loop PTQ keeps", "[field]") {
  // 400 weights in one layer; the same cells and noise (sigma 0.15) for both.
  nn::Mlp net(nn::MlpShape{20, {}, 20});
  Rng init(8);
  net.init(init);
  config::FieldHaqConfig cfg;
  cfg.cells = 8;
  cfg.cell_noise = 0.15;
  const Eigen::VectorXd w = net.params();
  const double largest = w.cwiseAbs().maxCoeff();
  const double haq_err = (quantise(net, Quantiser::haq, cfg, 4).params() - w).norm() / largest;
  const double ptq_err = (quantise(net, Quantiser::ptq, cfg, 4).params() - w).norm() / largest;
  INFO("relative error norms: HAQ " << haq_err << ", PTQ " << ptq_err);
  CHECK(haq_err < 0.5 * ptq_err);
  // the worst weight too (near full scale, where every cell is on, HAQ has
  // nothing left to correct with: no Delta/2 bound under noise)
  const double haq_worst = (quantise(net, Quantiser::haq, cfg, 4).params() - w).cwiseAbs().maxCoeff();
  const double ptq_worst = (quantise(net, Quantiser::ptq, cfg, 4).params() - w).cwiseAbs().maxCoeff();
  CHECK(haq_worst < ptq_worst);
}

TEST_CASE("field: the encoder's B is the RRAM cells' spread, with the configured standard deviation", "[field]") {
  config::FieldEncoderConfig cfg;
  cfg.frequencies = 2000;
  cfg.sigma = 2.5;
  const Encoder e = make_encoder(cfg, 17);
  const double mean = e.B.mean();
  const double sd = std::sqrt((e.B.array() - mean).square().sum() / static_cast<double>(e.B.size() - 1));
  CHECK(std::abs(mean) < 0.1);  // standard error 2.5 / sqrt(4000) = 0.04
  CHECK(sd == Approx(2.5).epsilon(0.05));
  CHECK(std::abs(e.g_plus.mean() / cfg.g_nominal - 1) < 0.01);
  CHECK(make_encoder(cfg, 17).B == e.B);
  CHECK(make_encoder(cfg, 18).B != e.B);
}

TEST_CASE("field: training is deterministic for a seed and lowers the projection loss", "[field]") {
  const auto e = phantom_ellipses(config::PhantomKind::modified_shepp_logan);
  config::FieldProjectionConfig pc;
  pc.angles = 6;
  const Sinogram sino = project(e, pc, 24, 1);
  config::FieldEncoderConfig ec;
  ec.frequencies = 4;
  config::FieldTrainConfig tc;
  tc.hidden = {8};
  tc.rays = 32;
  tc.samples = 16;
  tc.steps = 1;
  std::ostringstream log;
  Field f0;
  f0.encoder = make_encoder(ec, 3);
  const TrainReport first = train_field(f0, sino, tc, 4, log, 0);
  tc.steps = 300;
  Field a = f0, b = f0;
  const TrainReport ra = train_field(a, sino, tc, 4, log, 0);
  train_field(b, sino, tc, 4, log, 0);
  CHECK(a.net.params() == b.net.params());
  CHECK(ra.final_loss < 0.5 * first.final_loss);
}

namespace {

// A small random field and its circuit at the ideal level with a VCVS gain of
// 1e12 (the ideal op-amp's gain is a config key; at the default 1e7 the
// TIAs' gain error (1 + Rf sum G) / A is ~1e-5) and Newton tolerances far
// below the comparison's.
struct SmallField {
  Field f;
  FieldCircuit fc;
  SmallField() {
    config::FieldEncoderConfig ec;
    ec.frequencies = 2;
    ec.sigma = 1.0;
    f.encoder = make_encoder(ec, 11);
    f.net = nn::Mlp(nn::MlpShape{f.encoder.features(), {5, 4}, 1});
    Rng init(2);
    f.net.init(init);
    FieldCircuitOptions o;
    o.circuit.level = config::Level::ideal;
    o.circuit.opamp.ideal_gain = 1e12;
    o.simulation.reltol = 1e-10;
    o.simulation.vntol = 1e-13;
    o.simulation.abstol = 1e-18;
    o.encoder = ec;
    o.k_hidden = hidden_scale(f, pixel_points(8), 0.3);
    fc = build_field_circuit(f.encoder, f.net, o);
  }
};

}  // namespace

TEST_CASE("field: the encoder crossbar's DC output equals -k_phase B p (ideal level)", "[field][spice]") {
  SmallField s;
  for (const auto& n : s.fc.phase_nodes) s.fc.circuit.save(n);
  spice::NgspiceSession session;
  session.load(spice::emit(s.fc.circuit));
  const Eigen::MatrixXd p = (Eigen::MatrixXd(2, 3) << 0.5, -0.9, 0.1, -0.25, 0.7, 0.95).finished();
  for (Eigen::Index k = 0; k < p.cols(); ++k) {
    session.command("alter vcx = " + spice_number(s.fc.volts(p(0, k))));
    session.command("alter vcy = " + spice_number(s.fc.volts(p(1, k))));
    session.run(30, "op");
    const Eigen::VectorXd bp = s.f.encoder.B * p.col(k);
    for (Eigen::Index j = 0; j < bp.size(); ++j) {
      const double v = session.vector(s.fc.phase_nodes[static_cast<std::size_t>(j)]).re.at(0);
      CHECK(v == Approx(-s.fc.k_phase * bp(j)).epsilon(1e-6).margin(1e-12));
    }
  }
}

TEST_CASE("field: a small field's circuit inference equals its software forward pass (ideal level, 1e-6)",
          "[field][spice]") {
  SmallField s;
  spice::NgspiceSession session;
  session.load(spice::emit(s.fc.circuit));
  const int n = 6;
  const Eigen::MatrixXd pts = pixel_points(n);
  const Eigen::MatrixXd want = s.f(pts);
  const InferenceResult rows = infer_rows(session, s.fc, n, 0, n, 30);
  const InferenceResult alter = infer_alter(session, s.fc, pts, 30);
  REQUIRE(rows.values.size() == static_cast<std::size_t>(n * n));
  REQUIRE(alter.values.size() == static_cast<std::size_t>(n * n));
  const double scale = want.cwiseAbs().maxCoeff();
  for (int k = 0; k < n * n; ++k) {
    INFO("pixel " << k);
    CHECK(rows.values[static_cast<std::size_t>(k)] == Approx(want(0, k)).epsilon(1e-6).margin(1e-6 * scale));
    CHECK(alter.values[static_cast<std::size_t>(k)] == Approx(want(0, k)).epsilon(1e-6).margin(1e-6 * scale));
  }
}
