// Circuit blocks checked independently in ngspice: crossbar column currents
// against an Eigen matrix-vector product, RC integrators against their
// closed form, the behavioural cell against its I-V law.
#include <catch2/catch.hpp>

#include <cmath>

#include "circuit/blocks.hpp"
#include "circuit/network.hpp"
#include "spice/emitter.hpp"
#include "spice/job.hpp"
#include "spice/session.hpp"
#include "support.hpp"
#include "util/random.hpp"

using namespace memcosim;
using namespace memcosim::circuit;

namespace {

circuit::Environment environment(const config::CircuitConfig& cc) {
  return {cc.supply.vdd, cc.supply.vss, cc.opamp, cc.crossbar.cell, cc.relu.knee};
}

spice::Result simulate(spice::NgspiceSession& session, const Circuit& c, std::vector<std::string> vectors) {
  spice::Job job;
  job.netlist = spice::emit(c);
  job.vectors = std::move(vectors);
  spice::Result r = spice::run_job(session, job);
  INFO(r.message);
  REQUIRE(r.ok());
  return r;
}

}  // namespace

TEST_CASE("crossbar: DC column currents equal the Eigen matrix-vector product", "[circuit]") {
  // A 5x3 layer with random weights and biases, mapped the way the solver
  // maps a hidden layer (sign -1), driven with fixed input voltages; the
  // columns are held at 0 V by ammeter sources.
  config::CircuitConfig cc;
  Rng rng(7);
  nn::Dense layer{Eigen::MatrixXd(5, 3), Eigen::VectorXd(5)};
  rng.fill_uniform(layer.W, -2.0, 2.0);
  rng.fill_uniform(layer.b, -1.0, 1.0);
  const double k_in = 0.03;
  Rng programming(1);
  const LayerMapping m = map_layer(layer, -1.0, k_in, cc.crossbar, programming, 0);
  const Eigen::Vector3d a(0.7, -1.3, 2.1);  // input activations (units)

  Circuit c;
  auto& b = c.block("crossbar under test");
  const auto env = environment(cc);
  for (int i = 0; i < 3; ++i) {
    c.add(b, VoltageSource{"Vp" + std::to_string(i), "p" + std::to_string(i), "0", {k_in * a(i), std::nullopt}});
    c.add(b, VoltageSource{"Vn" + std::to_string(i), "n" + std::to_string(i), "0", {-k_in * a(i), std::nullopt}});
  }
  c.add(b, VoltageSource{"Vbp", "bp", "0", {cc.crossbar.v_read, std::nullopt}});
  c.add(b, VoltageSource{"Vbn", "bn", "0", {-cc.crossbar.v_read, std::nullopt}});
  for (int j = 0; j < 5; ++j) {
    const std::string col = "c" + std::to_string(j);
    for (int i = 0; i < 3; ++i) {
      cell(c, b, "p" + std::to_string(i) + "_" + col, "p" + std::to_string(i), col, m.g_plus(j, i), Level::ideal, env);
      cell(c, b, "n" + std::to_string(i) + "_" + col, "n" + std::to_string(i), col, m.g_minus(j, i), Level::ideal, env);
    }
    cell(c, b, "bp_" + col, "bp", col, m.gb_plus(j), Level::ideal, env);
    cell(c, b, "bn_" + col, "bn", col, m.gb_minus(j), Level::ideal, env);
    c.add(b, VoltageSource{"Vamm" + std::to_string(j), col, "0", {0.0, std::nullopt}});
  }
  spice::NgspiceSession session;
  spice::Job job;
  job.netlist = spice::emit(c);
  job.analysis = "op";
  const spice::Result r = spice::run_job(session, job);
  INFO(r.message);
  REQUIRE(r.ok());

  // Independent expectations: Ohm's law on the programmed conductances, and
  // the layer's own arithmetic -g_unit k_in (W a + b).
  const Eigen::VectorXd ohm = (m.g_plus - m.g_minus) * (k_in * a) + (m.gb_plus - m.gb_minus) * cc.crossbar.v_read;
  const Eigen::VectorXd layer_math = -m.g_unit * k_in * (layer.W * a + layer.b);
  for (int j = 0; j < 5; ++j) {
    // Current through the ammeter from the column to ground = the column current.
    const double measured = r.plot.at("vamm" + std::to_string(j) + "#branch").re.at(0);
    CHECK(measured == Approx(ohm(j)).epsilon(1e-6));
    CHECK(measured == Approx(layer_math(j)).epsilon(1e-6));
  }
}

TEST_CASE("crossbar: quantisation and programming error stay inside [g_min, g_max]", "[circuit]") {
  config::CrossbarConfig xb;
  xb.levels = 16;
  xb.programming_error = 0.05;
  Rng rng(3);
  nn::Dense layer{Eigen::MatrixXd(14, 14), Eigen::VectorXd(14)};
  rng.fill_uniform(layer.W, -3.0, 3.0);
  rng.fill_uniform(layer.b, -1.0, 1.0);
  Rng p1(9), p2(9), p3(10);
  const LayerMapping a = map_layer(layer, 1.0, 0.02, xb, p1, 1);
  const LayerMapping b = map_layer(layer, 1.0, 0.02, xb, p2, 1);
  const LayerMapping c = map_layer(layer, 1.0, 0.02, xb, p3, 1);
  CHECK(a.g_plus == b.g_plus);     // same seed, same programming
  CHECK(!(a.g_plus == c.g_plus));  // another seed, another one
  CHECK(a.g_plus.minCoeff() >= xb.g_min);
  CHECK(a.g_plus.maxCoeff() <= xb.g_max);
  // Without programming error the conductances sit exactly on the 16 levels.
  xb.programming_error = 0;
  Rng p4(1);
  const LayerMapping q = map_layer(layer, 1.0, 0.02, xb, p4, 1);
  const double step = (xb.g_max - xb.g_min) / 15;
  for (Eigen::Index k = 0; k < q.g_plus.size(); ++k) {
    const double lvl = (q.g_plus(k) - xb.g_min) / step;
    CHECK(std::abs(lvl - std::round(lvl)) < 1e-9);
  }
  // A fixed g_unit too large for the range is a located input error.
  xb.g_unit = 1e-3;
  Rng p5(1);
  CHECK_THROWS_AS(map_layer(layer, 1.0, 0.02, xb, p5, 1), InputError);
}

TEST_CASE("integrator: transient equals the closed form (ideal and behavioural op-amps)", "[circuit]") {
  // Inverting integrator with a constant input V_in through R, starting at
  // V0: V(out, t) = V0 - V_in t / (R C).
  const double r = 100e3, cap = 10e-9, v_in = 0.2, v0 = 0.1, t_end = 2e-3;
  config::CircuitConfig cc;
  spice::NgspiceSession session;
  for (Level level : {Level::ideal, Level::behavioral}) {
    Circuit c;
    auto& b = c.block("integrator under test");
    c.add(b, VoltageSource{"Vin", "in", "0", {v_in, std::nullopt}});
    const auto nodes = integrator(c, b, "int", {{"in", r}}, "out", cap, level, environment(cc));
    initial_state(c, nodes, v0);
    c.option("reltol", 1e-6);
    c.tran = TranAnalysis{t_end / 1000, t_end, t_end / 1000};
    const auto res = simulate(session, c, {"out"});
    const auto& t = res.plot.at("time").re;
    const auto& v = res.plot.at("out").re;
    // Ideal: exact up to the solver; behavioural: the finite DC gain a0 adds
    // a relative ramp error ~ 1/a0 and the GBW pole a lag ~ 1/(2 pi gbw).
    const double tol = level == Level::ideal ? 1e-6 : 2e-4 + 2.0 / cc.opamp.a0 * v_in * t_end / (r * cap);
    double worst = 0;
    for (std::size_t k = 0; k < t.size(); ++k) worst = std::max(worst, std::abs(v[k] - (v0 - v_in * t[k] / (r * cap))));
    INFO("level " << config::enum_name(level) << ", worst deviation " << worst << " V over " << t.size() << " points");
    CHECK(worst < tol);
    CHECK(v.front() == Approx(v0).epsilon(1e-9));
  }
}

TEST_CASE("behavioural RRAM cell follows I = i0 exp(-gap/g0) sinh(V/v0), exact at the verify voltage", "[circuit]") {
  config::CircuitConfig cc;
  const auto env = environment(cc);
  const double g = 37e-6;
  spice::NgspiceSession session;
  for (double volts : {cc.crossbar.cell.verify_voltage, 0.02, 0.2, -0.15}) {
    Circuit c;
    auto& b = c.block("cell");
    c.add(b, VoltageSource{"Vr", "row", "0", {volts, std::nullopt}});
    cell(c, b, "x", "row", "col", g, Level::behavioral, env);
    c.add(b, VoltageSource{"Vamm", "col", "0", {0.0, std::nullopt}});
    spice::Job job;
    job.netlist = spice::emit(c);
    job.analysis = "op";
    const auto r = spice::run_job(session, job);
    REQUIRE(r.ok());
    const double measured = r.plot.at("vamm#branch").re.at(0);
    const auto& p = cc.crossbar.cell;
    const double expected = p.i0 * std::exp(-cell_gap(g, p) / p.g0) * std::sinh(volts / p.v0);
    CHECK(measured == Approx(expected).epsilon(1e-9));
    if (volts == p.verify_voltage) CHECK(measured == Approx(g * volts).epsilon(1e-9));
  }
}
