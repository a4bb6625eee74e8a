#include "flow/rectifier.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <utility>

#include "analysis/resample.hpp"
#include "circuit/blocks.hpp"
#include "circuit/loops.hpp"
#include "flow/energy.hpp"
#include "flow/simulate.hpp"
#include "flow/stability.hpp"
#include "spice/emitter.hpp"
#include "spice/runner.hpp"
#include "util/error.hpp"
#include "util/numbers.hpp"

namespace memcosim::flow {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kStepV = 0.02, kRise = 1e-6, kFall = 11e-6, kStop = 21e-6;
const char* kBlock = "rectifier";

// Time after `t_step` from which |y - final| stays within band (NaN if the
// last sample is outside).
double settling(const std::vector<double>& t, const std::vector<double>& y, double t_step, double t_end, double band) {
  double final_value = kNaN;
  for (std::size_t k = 0; k < t.size(); ++k)
    if (t[k] <= t_end) final_value = y[k];
  double last_out = t_step;
  for (std::size_t k = 0; k < t.size(); ++k)
    if (t[k] > t_step && t[k] <= t_end && std::abs(y[k] - final_value) > band) last_out = t[k];
  return last_out >= t_end ? kNaN : last_out - t_step;
}

void measure_dc(const spice::Plot& p, RectifierFigures& r) {
  const auto& vin = p.scale_vector()->re;
  const auto& vout = p.at("v(out)").re;
  const double x20[] = {kStepV}, x0[] = {0.0};
  r.offset = analysis::interpolate_linear(vin, vout, x20)[0] - kStepV;
  r.knee = analysis::interpolate_linear(vin, vout, x0)[0];
  r.leak = 0;
  r.linear_max = kNaN;
  for (std::size_t k = 0; k < vin.size(); ++k) {
    if (vin[k] <= -5e-3) r.leak = std::max(r.leak, vout[k]);
    if (vin[k] >= 5e-3) {
      if (std::abs(vout[k] - vin[k]) > 1e-3) break;
      r.linear_max = vin[k];
    }
  }
}

}  // namespace

nlohmann::json RectifierFigures::json() const {
  return {{"offset_volts", json_number(offset)},
          {"knee_volts", json_number(knee)},
          {"leak_volts", json_number(leak)},
          {"linear_max_volts", json_number(linear_max)},
          {"settle_rise_seconds", json_number(settle_rise)},
          {"settle_fall_seconds", json_number(settle_fall)},
          {"power_on_watts", json_number(power_on)},
          {"power_off_watts", json_number(power_off)},
          {"area_m2", json_number(area)},
          {"loop_dc_gain_db", json_number(loop.dc_gain_db)},
          {"loop_ugf_hz", json_number(loop.ugf)},
          {"loop_phase_margin_deg", json_number(loop.phase_margin)},
          {"error", error}};
}

circuit::Circuit rectifier_bench(const config::Config& cfg, std::shared_ptr<const circuit::TransistorEnvironment> t) {
  const auto& cc = cfg.circuit;
  circuit::Environment env{cc.supply.vdd, cc.supply.vss, cc.opamp, cc.crossbar.cell, cc.relu.knee};
  env.transistor = std::move(t);
  circuit::Circuit c;
  c.title = "memcosim rectifier characterisation";
  c.header = {"Vin -> rectifier -> out, load " + spice_number(cfg.stability.load_r) + " ohm || " +
              spice_number(cfg.stability.load_c) + " F (stability.load_r, load_c)."};
  auto& src = c.block("input");
  c.add(src, circuit::VoltageSource{"Vin", "in", "0", circuit::SourceValue{0.0}});
  auto& b = c.block(kBlock);
  circuit::relu(c, b, "relu", "in", "out", cc.level_of(cc.blocks.relu), env);
  auto& load = c.block("load");
  c.add(load, circuit::Resistor{"Rload", "out", "0", cfg.stability.load_r});
  if (cfg.stability.load_c > 0) c.add(load, circuit::Capacitor{"Cload", "out", "0", cfg.stability.load_c});
  return c;
}

circuit::OpampLoop rectifier_bench_loop() { return {"relu", kBlock, circuit::LoopKind::rectifier, "out", "in"}; }

void set_bench_input(circuit::Circuit& bench, circuit::SourceValue v) {
  if (const auto* e = bench.find("Vin")) {
    auto s = std::get<circuit::VoltageSource>(*e);
    s.value = std::move(v);
    bench.replace(std::move(s));
  }
}

RectifierFigures characterise_rectifier(const config::Config& cfg,
                                        std::shared_ptr<const circuit::TransistorEnvironment> t,
                                        spice::Runner& runner) {
  RectifierFigures r;
  const circuit::Circuit base = rectifier_bench(cfg, std::move(t));
  r.area = circuit::gate_area(base, circuit::kCmosRectifier);
  const std::vector<circuit::SupplyPair> rails{base.find_block(kBlock)->supply_pair().value()};
  enum : std::uint64_t { kDc = 1, kTran, kOpOn, kOpOff, kLoopV, kLoopI };
  constexpr double kTimeout = 120;
  auto submit = [&](std::uint64_t id, const circuit::Circuit& c, std::string analysis, std::vector<std::string> v) {
    submit_circuit(runner, id, c, std::move(analysis), std::move(v), kTimeout);
  };
  submit(kDc, base, "dc vin -0.05 0.2 0.00025", {"v(out)"});
  {
    circuit::Circuit c = base;
    set_bench_input(c,
                    circuit::SourceValue{-kStepV, circuit::Pwl{{0, kRise, kRise + 1e-9, kFall, kFall + 1e-9, kStop},
                                                               {-kStepV, -kStepV, kStepV, kStepV, -kStepV, -kStepV}}});
    c.tran = circuit::TranAnalysis{2e-9, kStop, 2e-9};
    c.save("out");
    submit(kTran, c, "run", {"v(out)"});
  }
  const std::vector<std::string> supplies = supply_vectors(rails);
  for (const auto& [id, v] : {std::pair{std::uint64_t{kOpOn}, kStepV}, std::pair{std::uint64_t{kOpOff}, -kStepV}}) {
    circuit::Circuit c = base;
    set_bench_input(c, circuit::SourceValue{v});
    submit(id, c, "op", supplies);
  }
  {
    circuit::Circuit c = base;
    set_bench_input(c, circuit::SourceValue{kStepV});
    submit_loop_probe(runner, kLoopV, kLoopI, c, rectifier_bench_loop(), ac_command(cfg), kTimeout);
  }
  const JobResults results(runner);
  for (std::uint64_t id = kDc; id <= kLoopI; ++id)
    if (!results.ok(id))
      r.error += (r.error.empty() ? "" : "; ") + std::string("job ") + std::to_string(id) + ": " + results.failed(id);
  if (!r.error.empty()) return r;
  try {
    measure_dc(results.plot(kDc), r);
    const auto& tp = results.plot(kTran);
    const auto& time = tp.at("time").re;
    const auto& out = tp.at("v(out)").re;
    r.settle_rise = settling(time, out, kRise, kFall, 0.01 * kStepV);
    r.settle_fall = settling(time, out, kFall, kStop, 0.01 * kStepV);
    r.power_on = supply_power(results.plot(kOpOn), rails, cfg.circuit.supply.vdd, cfg.circuit.supply.vss);
    r.power_off = supply_power(results.plot(kOpOff), rails, cfg.circuit.supply.vdd, cfg.circuit.supply.vss);
    std::vector<double> f;
    const auto tl = probe_loop_gain(results.plot(kLoopV), results.plot(kLoopI), "out", "relu", f);
    r.loop = analysis::loop_margins(f, tl);
  } catch (const std::exception& e) {
    r.error = e.what();
  }
  return r;
}

}  // namespace memcosim::flow
