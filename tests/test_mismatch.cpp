// The transistor-level rectifier and device mismatch (Pelgrom): the
// rectifier's transfer against max(in, 0), the draws' reproducibility and
// spread, and the op-amp's Monte Carlo offset against the analytic
// prediction from its input pair and mirror load.
#include <catch2/catch.hpp>

#include <cmath>
#include <numeric>

#include "circuit/blocks.hpp"
#include "circuit/mismatch.hpp"
#include "circuit/transistor.hpp"
#include "config/config.hpp"
#include "flow/rectifier.hpp"
#include "flow/transistor.hpp"
#include "spice/emitter.hpp"
#include "spice/job.hpp"
#include "spice/runner.hpp"
#include "spice/session.hpp"
#include "support.hpp"
#include "util/numbers.hpp"

using namespace memcosim;
using namespace memcosim::circuit;
using namespace memcosim::test;

namespace {

config::Config ring_transistor() { return config::load_config(source_path("configs/ring_transistor.yaml").string()); }

Environment environment(const config::Config& cfg, std::shared_ptr<const TransistorEnvironment> t) {
  const auto& cc = cfg.circuit;
  Environment env{cc.supply.vdd, cc.supply.vss, cc.opamp, cc.crossbar.cell, cc.relu.knee};
  env.transistor = std::move(t);
  return env;
}

spice::Result simulate(spice::NgspiceSession& session, const Circuit& c, const std::string& analysis,
                       std::vector<std::string> vectors) {
  spice::Job job;
  job.netlist = spice::emit(c);
  job.analysis = analysis;
  job.vectors = std::move(vectors);
  spice::Result r = spice::run_job(session, job);
  INFO(r.message);
  REQUIRE(r.ok());
  return r;
}

double sample_sd(const std::vector<double>& x) {
  const double mean = std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(x.size());
  double ss = 0;
  for (double v : x) ss += (v - mean) * (v - mean);
  return std::sqrt(ss / static_cast<double>(x.size() - 1));
}

// Drain current of one MOSFET (source and bulk at 0, drain at vds) over
// Vgs = 0 .. 1.2 V; returns {Vgs, gm} where Id = id_target (linear
// interpolation, gm by central difference).
std::pair<double, double> gm_at(spice::NgspiceSession& session, const TransistorEnvironment& t, bool pmos, double w,
                                double l, double vds, double id_target) {
  Circuit c;
  c.title = "gm bench";
  use_transistor_models(c, t);
  auto& b = c.block("device");
  const double s = pmos ? -1.0 : 1.0;
  c.add(b, VoltageSource{"Vg", "g", "0", SourceValue{0.0}});
  c.add(b, VoltageSource{"Vd", "d", "0", SourceValue{s * vds}});
  c.add(b, mosfet("M1", "d", "g", "0", "0", pmos ? "pch" : "nch", w, l, t.config.diffusion));
  const double step = 1e-3;
  const auto r =
      simulate(session, c, std::string("dc vg 0 ") + (pmos ? "-1.2 -" : "1.2 ") + spice_number(step), {"i(vd)"});
  const auto& id = r.plot.at("i(vd)").re;  // into Vd's + node: -Id (NMOS), +|Id| (PMOS)
  for (std::size_t k = 1; k + 1 < id.size(); ++k) {
    const double i0 = std::abs(id[k]), i1 = std::abs(id[k + 1]);
    if (i0 <= id_target && i1 > id_target) {
      const double gm = (std::abs(id[k + 1]) - std::abs(id[k - 1])) / (2 * step);
      return {(static_cast<double>(k) + (id_target - i0) / (i1 - i0)) * step, gm};
    }
  }
  FAIL("drain current never reaches " << id_target);
  return {0, 0};
}

}  // namespace

TEST_CASE("rectifier: the transistor-level super-diode follows max(in, 0) within 1 mV, and its testbench agrees",
          "[transistor][rectifier]") {
  const config::Config cfg = config::load_config(source_path("configs/ring_transistor.yaml").string());
  REQUIRE(cfg.circuit.level_of(cfg.circuit.blocks.relu) == config::Level::transistor);
  const auto t = flow::transistor_environment(cfg);
  // Independent of the characterisation code: operating points of the bench
  // at a few inputs, compared with max(in, 0).
  {
    spice::NgspiceSession session;
    const Circuit base = flow::rectifier_bench(cfg, t);
    for (double vin : {-0.1, -0.02, -0.005, 0.005, 0.01, 0.02, 0.05, 0.1}) {
      Circuit c = base;
      auto v = std::get<VoltageSource>(*c.find("Vin"));
      v.value = SourceValue{vin};
      c.replace(v);
      const auto r = simulate(session, c, "op", {"v(out)"});
      INFO("Vin = " << vin << " V: V(out) = " << r.plot.at("v(out)").re.at(0));
      CHECK(r.plot.at("v(out)").re.at(0) == Approx(std::max(vin, 0.0)).margin(1e-3));
    }
  }
  spice::RunnerOptions ro;
  ro.pool.workers = 1;
  spice::Runner runner(ro);
  const auto f = flow::characterise_rectifier(cfg, t, runner);
  INFO(f.json().dump(2));
  REQUIRE(f.error.empty());
  CHECK(std::abs(f.offset) < 1e-3);
  CHECK(std::abs(f.knee) < 1e-3);
  CHECK(f.leak < 1e-4);
  CHECK(f.linear_max >= 0.1);
  CHECK(f.settle_rise < 2e-6);
  CHECK(f.settle_fall < 2e-6);
  CHECK(f.loop.phase_margin >= cfg.stability.min_phase_margin);
  // Area by hand from the default sizes (um^2): Mb 2x1, M5 4x1, M1/M2 4x1,
  // M3/M4 4x1, M6 4x1, M7 2x1, Mo 10x0.5.
  CHECK(f.area == Approx((2 + 4 + 8 + 8 + 4 + 2 + 5) * 1e-12).epsilon(1e-9));
  // Power by hand. Off: Iref and the tail, i_ref (1 + w_tail/w_bias) = 6 uA
  // across 1.8 V (M6 is off, so the sink M7 pulls Mo's gate to vss and
  // carries nothing). On: the second stage's 2 uA (i_ref w_sink/w_bias) too,
  // and the load current 20 mV / (20 kOhm || 100 kOhm) from vdd (0.9 V).
  // Mirror ratios hold to a few % (unequal drain voltages).
  CHECK(f.power_off == Approx(6e-6 * 1.8).epsilon(0.05));
  CHECK(f.power_on == Approx(8e-6 * 1.8 + 0.9 * 0.02 / (20e3 * 100e3 / 120e3)).epsilon(0.05));
}

TEST_CASE("mismatch: draws are a pure function of (seed, device, draw) with the Pelgrom sigma", "[mismatch]") {
  config::MismatchConfig m;
  CHECK(mismatch_draw(m, "xint0.m1", false, 4e-6, 1e-6).delvto == 0.0);  // off by default
  m.enabled = true;
  const auto a = mismatch_draw(m, "xint0.m1", false, 4e-6, 1e-6);
  CHECK(a.delvto != 0.0);
  CHECK(mismatch_draw(m, "XINT0.M1", false, 4e-6, 1e-6).delvto == a.delvto);  // ngspice names are case-blind
  CHECK(mismatch_draw(m, "xint0.m2", false, 4e-6, 1e-6).delvto != a.delvto);
  auto other = m;
  other.draw = 1;
  CHECK(mismatch_draw(other, "xint0.m1", false, 4e-6, 1e-6).delvto != a.delvto);
  other = m;
  other.seed = 2;
  CHECK(mismatch_draw(other, "xint0.m1", false, 4e-6, 1e-6).delvto != a.delvto);
  // Spread over 4000 draws against A / sqrt(W L) (sample sd within 5 %,
  // ~4.5 standard errors).
  std::vector<double> vt, beta;
  for (long k = 0; k < 4000; ++k) {
    m.draw = k;
    const auto d = mismatch_draw(m, "xl1_tia3.m4", true, 8e-6, 1e-6);
    vt.push_back(d.delvto);
    beta.push_back(d.beta);
  }
  CHECK(sample_sd(vt) == Approx(m.avt_p / std::sqrt(8e-12)).epsilon(0.05));
  CHECK(sample_sd(beta) == Approx(m.abeta_p / std::sqrt(8e-12)).epsilon(0.05));
  // Written into the netlist: per-instance op-amp copies with DELVTO/MULU0.
  const config::Config cfg = ring_transistor();
  auto t = std::make_shared<TransistorEnvironment>(*flow::transistor_environment(cfg));
  t->config.mismatch.enabled = true;
  Circuit c;
  auto& b = c.block("op-amps");
  const auto env = environment(cfg, t);
  opamp(c, b, "a", "0", "x", "x", config::Level::transistor, env);
  opamp(c, b, "b", "0", "y", "y", config::Level::transistor, env);
  const std::string text = spice::emit(c);
  CHECK(text.find(".subckt opamp_cmos_a ") != std::string::npos);
  CHECK(text.find(".subckt opamp_cmos_b ") != std::string::npos);
  CHECK(text.find(" delvto=") != std::string::npos);
  CHECK(text.find(" mulu0=") != std::string::npos);
}

TEST_CASE("mismatch: Monte Carlo offset of the op-amp (200 draws) within 20 % of the analytic sigma",
          "[mismatch][transistor]") {
  const config::Config cfg = ring_transistor();
  const auto nominal = flow::transistor_environment(cfg);
  const auto& o = cfg.circuit.transistor.opamp;
  const auto& mm = cfg.circuit.transistor.mismatch;
  spice::NgspiceSession session;

  // Analytic: Vos = dVt(M1,M2) + (gm3/gm1) dVt(M3,M4) + (Id/gm1) (dbeta/beta(M1,M2) + dbeta/beta(M3,M4)),
  // each pair difference with twice the single-device variance (Pelgrom).
  // gm1, gm3 of single devices at the pair's current I_tail/2 (Vds 0.6 V,
  // no body bias: an approximation of the in-circuit bias; both ratios
  // enter only the smaller terms).
  const double id = o.i_ref * o.w_tail / o.w_bias / 2;
  const double gm1 = gm_at(session, *nominal, false, o.w_in, o.l_in, 0.6, id).second;
  const double gm3 = gm_at(session, *nominal, true, o.w_load, o.l_load, 0.6, id).second;
  const double a_in = o.w_in * o.l_in, a_load = o.w_load * o.l_load;
  const double var_vt = 2 * mm.avt_n * mm.avt_n / a_in + std::pow(gm3 / gm1, 2) * 2 * mm.avt_p * mm.avt_p / a_load;
  const double var_beta =
      std::pow(id / gm1, 2) * (2 * mm.abeta_n * mm.abeta_n / a_in + 2 * mm.abeta_p * mm.abeta_p / a_load);
  const double sigma_analytic = std::sqrt(var_vt + var_beta);
  INFO("gm1 " << gm1 << " S, gm3 " << gm3 << " S, Id " << id << " A, analytic sigma " << sigma_analytic << " V");

  // Monte Carlo: the op-amp as a unity follower of 0 V (out = its offset),
  // loaded like the stability bench, over 200 draws.
  auto offset = [&](long draw, bool enabled) {
    auto t = std::make_shared<TransistorEnvironment>(*nominal);
    t->config.mismatch.enabled = enabled;
    t->config.mismatch.draw = draw;
    Circuit c;
    c.title = "offset";
    auto& b = c.block("op-amp");
    opamp(c, b, "op", "0", "out", "out", config::Level::transistor, environment(cfg, t));
    c.add(b, Resistor{"Rload", "out", "0", cfg.stability.load_r});
    return simulate(session, c, "op", {"v(out)"}).plot.at("v(out)").re.at(0);
  };
  const double systematic = offset(0, false);
  std::vector<double> vos;
  for (long k = 0; k < 200; ++k) vos.push_back(offset(k, true) - systematic);
  const double sigma_mc = sample_sd(vos);
  INFO("systematic " << systematic << " V, Monte Carlo sigma " << sigma_mc << " V");
  UNSCOPED_INFO("offset sigma: Monte Carlo " << sigma_mc << " V over 200 draws, analytic " << sigma_analytic << " V");
  CHECK(std::abs(systematic) < 1e-3);
  CHECK(sigma_mc == Approx(sigma_analytic).epsilon(0.2));
}
