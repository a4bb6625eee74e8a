#include "flow/stability.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <ostream>

#include "analysis/resample.hpp"
#include "circuit/blocks.hpp"
#include "circuit/loops.hpp"
#include "flow/common.hpp"
#include "flow/energy.hpp"
#include "flow/rectifier.hpp"
#include "flow/simulate.hpp"
#include "flow/transistor.hpp"
#include "reference/sampler.hpp"
#include "spice/emitter.hpp"
#include "spice/runner.hpp"
#include "util/error.hpp"
#include "util/files.hpp"
#include "util/numbers.hpp"

namespace memcosim::flow {

namespace {

std::string hz(double f) {
  if (!std::isfinite(f)) return "-";
  if (f >= 1e6) return printf_number("%.3g MHz", f / 1e6);
  if (f >= 1e3) return printf_number("%.3g kHz", f / 1e3);
  return printf_number("%.3g Hz", f);
}

std::vector<analysis::Complex> complex_of(const spice::Vector& v) {
  std::vector<analysis::Complex> out(v.size());
  for (std::size_t k = 0; k < v.size(); ++k) out[k] = {v.re[k], v.is_complex && k < v.im.size() ? v.im[k] : 0.0};
  return out;
}

nlohmann::json margins_json(const analysis::LoopMargins& m) {
  return {{"dc_gain_db", json_number(m.dc_gain_db)},
          {"peak_gain_db", json_number(m.peak_gain_db)},
          {"ugf_hz", json_number(m.ugf)},
          {"phase_margin_deg", json_number(m.phase_margin)},
          {"gain_margin_db", json_number(m.gain_margin)},
          {"phase_crossover_hz", json_number(m.phase_crossover)},
          {"note", m.note}};
}

// Pass/fail of one loop against the specs.
std::pair<bool, std::string> judge(const analysis::LoopMargins& m, double min_pm, double min_gm, double f_max) {
  std::string why;
  if (m.peak_gain_db > 0 && !m.crosses) why += "|T| > 1 up to " + hz(f_max) + "; ";
  if (m.crosses && !(m.phase_margin >= min_pm))
    why += "PM " + printf_number("%.1f", m.phase_margin) + " < " + printf_number("%.0f", min_pm) + " deg; ";
  if (m.phase_crosses && !(m.gain_margin >= min_gm))
    why += "GM " + printf_number("%.1f", m.gain_margin) + " < " + printf_number("%.0f", min_gm) + " dB; ";
  if (why.empty()) return {true, "ok"};
  why.resize(why.size() - 2);
  return {false, why};
}

config::Config at_condition(const config::Config& cfg, config::Corner corner, double temperature) {
  config::Config c = cfg;
  c.circuit.transistor.corner = corner;
  c.circuit.transistor.temperature = temperature;
  return c;
}

// Job ids: kind * kStride + index.
constexpr std::uint64_t kStride = 1'000'000;
enum JobKind : std::uint64_t { kLoopV = 1, kLoopI = 2, kStep = 3, kNoStep = 4, kBenchV = 5, kBenchI = 6, kOp = 7 };

}  // namespace

bool ConditionReport::passed() const {
  if (!opamp.passed) return false;
  for (const auto& l : loops)
    if (!l.passed) return false;
  for (const auto& s : steps)
    if (!s.passed) return false;
  return true;
}

std::string ac_command(const config::Config& cfg) {
  const auto& s = cfg.stability;
  return "ac dec " + std::to_string(s.points_per_decade) + " " + spice_number(s.f_min) + " " + spice_number(s.f_max);
}

circuit::Circuit opamp_bench(const config::Config& cfg, std::shared_ptr<const circuit::TransistorEnvironment> t,
                             double v_ac, double i_ac) {
  const auto& cc = cfg.circuit;
  circuit::Environment env{cc.supply.vdd, cc.supply.vss, cc.opamp, cc.crossbar.cell, cc.relu.knee};
  env.transistor = std::move(t);
  circuit::Circuit c;
  c.title = "memcosim op-amp characterisation: unity-gain follower, loop probe at the output";
  c.header = {"Loop gain of a unity-gain follower = the op-amp's open-loop gain A(s).",
              "Load " + spice_number(cfg.stability.load_r) + " ohm || " + spice_number(cfg.stability.load_c) +
                  " F (stability.load_r, load_c)."};
  auto& b = c.block("op-amp");
  circuit::opamp(c, b, "opamp", "0", "out", "out", cc.level_of(cc.blocks.integrator), env);
  auto& load = c.block("load");
  c.add(load, circuit::Resistor{"Rload", "out", "0", cfg.stability.load_r});
  if (cfg.stability.load_c > 0) c.add(load, circuit::Capacitor{"Cload", "out", "0", cfg.stability.load_c});
  circuit::OpampLoop loop{"opamp", "op-amp", circuit::LoopKind::other, "out", "0"};
  circuit::insert_loop_probe(c, loop, v_ac, i_ac);
  return c;
}

std::vector<analysis::Complex> probe_loop_gain(const spice::Plot& run1, const spice::Plot& run2,
                                               const std::string& output, const std::string& name,
                                               std::vector<double>& f) {
  const spice::Vector* s1 = run1.scale_vector();
  const spice::Vector* s2 = run2.scale_vector();
  if (!s1 || !s2 || s1->size() != s2->size()) throw SimulationError("loop probe " + name + ": the two AC runs differ");
  f = s1->re;
  for (std::size_t k = 0; k < f.size(); ++k)
    if (std::abs(f[k] - s2->re[k]) > 1e-9 * f[k]) throw SimulationError("loop probe " + name + ": frequencies differ");
  const auto vb = complex_of(run1.at("v(" + output + ")"));
  const auto va = complex_of(run1.at("v(" + output + "_lb)"));
  const auto ia = complex_of(run2.at("i(vlb_" + name + ")"));
  return analysis::tian_loop_gain(va, vb, ia);
}

void submit_opamp_bench(spice::Runner& runner, std::uint64_t v_id, std::uint64_t i_id, const config::Config& cfg,
                        const std::shared_ptr<const circuit::TransistorEnvironment>& t, const std::string& ac,
                        double timeout_s) {
  for (int run = 0; run < 2; ++run)
    submit_circuit(
        runner, run == 0 ? v_id : i_id, opamp_bench(cfg, t, run == 0 ? 1.0 : 0.0, run == 0 ? 0.0 : 1.0), ac,
        run == 0 ? std::vector<std::string>{"v(out)", "v(out_lb)"} : std::vector<std::string>{"i(vlb_opamp)"},
        timeout_s);
}

circuit::Circuit held_at_start(circuit::Circuit c) {
  circuit::hold_integrators(c);
  c.tran.reset();
  c.clear_saves();
  return c;
}

const circuit::OpampLoop& loop_named(const std::vector<circuit::OpampLoop>& loops, const std::string& name) {
  const auto it = std::find_if(loops.begin(), loops.end(), [&](const auto& l) { return l.name == name; });
  if (it == loops.end())
    throw InputError(Diagnostic{SourceLocation{"--loops"}, "", "no op-amp named '" + name + "' in the circuit"});
  return *it;
}

void submit_loop_probe(spice::Runner& runner, std::uint64_t v_id, std::uint64_t i_id, const circuit::Circuit& c,
                       const circuit::OpampLoop& loop, const std::string& ac, double timeout_s) {
  for (int run = 0; run < 2; ++run) {
    circuit::Circuit circ = c;
    circuit::insert_loop_probe(circ, loop, run == 0 ? 1.0 : 0.0, run == 0 ? 0.0 : 1.0);
    submit_circuit(runner, run == 0 ? v_id : i_id, circ, ac,
                   run == 0 ? std::vector<std::string>{"v(" + loop.output + ")", "v(" + loop.output + "_lb)"}
                            : std::vector<std::string>{"i(vlb_" + loop.name + ")"},
                   timeout_s);
  }
}

namespace {

// The loops the analysis covers: every op-amp loop of the circuit, or those
// --loops names ("first": the first op-amp of each block).
std::vector<circuit::OpampLoop> select_loops(std::vector<circuit::OpampLoop> loops,
                                             const std::vector<std::string>& names) {
  if (names.empty()) return loops;
  std::vector<circuit::OpampLoop> chosen;
  if (names.size() == 1 && names[0] == "first") {
    std::vector<std::string> seen;
    for (const auto& l : loops)
      if (std::find(seen.begin(), seen.end(), l.block) == seen.end()) {
        seen.push_back(l.block);
        chosen.push_back(l);
      }
    return chosen;
  }
  for (const auto& name : names) chosen.push_back(loop_named(loops, name));
  return chosen;
}

// What one condition simulates: the circuit (and its copy with the
// integrators held for the operating point), the loops, the integrators that
// get a step, the supplies, and the step's time window.
struct ConditionPlan {
  circuit::Circuit base, dc_base;
  std::vector<circuit::OpampLoop> loops;
  std::vector<std::size_t> step_loops;  // indices into loops
  std::vector<circuit::SupplyPair> supplies;
  double t0 = 1e-6, window = 0, dt = 0;
};

ConditionPlan plan_condition(const config::Config& c, const Task& task, const StabilityOptions& opt, bool use_klu) {
  const auto& st = c.stability;
  ConditionPlan p;
  p.base = task.circuit(c, use_klu, static_cast<std::uint64_t>(st.sample));
  p.dc_base = held_at_start(p.base);
  p.loops = select_loops(circuit::find_opamp_loops(p.dc_base), opt.loops);
  p.supplies = supply_rails(p.dc_base);
  p.window = std::max(4e-6, 2.0 * st.max_settling);
  p.dt = std::min(2e-9, p.window / 2000);
  if (opt.steps)
    for (std::size_t i = 0; i < p.loops.size(); ++i)
      if (p.loops[i].kind == circuit::LoopKind::integrator) p.step_loops.push_back(i);
  return p;
}

// Submits the condition's jobs: two AC runs per loop and for the op-amp
// bench, the operating point, and two transients per integrator step.
void submit_condition_jobs(const config::Config& c, const ConditionPlan& p,
                           const std::shared_ptr<const circuit::TransistorEnvironment>& tenv, spice::Runner& runner) {
  const auto& st = c.stability;
  const double timeout = c.simulation.timeout;
  const std::string ac = ac_command(c);
  for (std::size_t i = 0; i < p.loops.size(); ++i)
    submit_loop_probe(runner, kLoopV * kStride + i, kLoopI * kStride + i, p.dc_base, p.loops[i], ac, timeout);
  submit_opamp_bench(runner, kBenchV * kStride, kBenchI * kStride, c, tenv, ac, 60);
  // Operating point: the supply power of the op-amps at the start state.
  if (!p.supplies.empty()) submit_circuit(runner, kOp * kStride, p.dc_base, "op", supply_vectors(p.supplies), timeout);
  // Small steps at the integrators' + inputs, from the start state.
  for (std::size_t k = 0; k < p.step_loops.size(); ++k) {
    const auto& l = p.loops[p.step_loops[k]];
    for (int run = 0; run < 2; ++run) {
      circuit::Circuit circ = p.base;
      const double h = run == 0 ? st.step : 0.0;
      circuit::insert_step(circ, l, circuit::Pwl{{0, p.t0, p.t0 + 1e-9, p.t0 + p.window}, {0, 0, h, h}});
      circ.tran = circuit::TranAnalysis{p.dt, p.t0 + p.window, p.dt};
      circ.clear_saves();
      circ.save(l.output);
      submit_circuit(runner, (run == 0 ? kStep : kNoStep) * kStride + k, circ, "run", {"v(" + l.output + ")"}, timeout);
    }
  }
}

OpampReport judge_opamp(const JobResults& r, double min_pm, const config::StabilityConfig& st) {
  OpampReport o;
  const std::string why = r.failed(kBenchV * kStride) + r.failed(kBenchI * kStride);
  if (!why.empty()) {
    o.verdict = "simulation failed: " + why;
    return o;
  }
  std::vector<double> f;
  const auto t = probe_loop_gain(r.plot(kBenchV * kStride), r.plot(kBenchI * kStride), "out", "opamp", f);
  o.margins = analysis::loop_margins(f, t);
  auto [ok, verdict] = judge(o.margins, min_pm, st.min_gain_margin, st.f_max);
  if (!(o.margins.dc_gain_db >= st.min_opamp_gain)) {
    ok = false;
    verdict = (verdict == "ok" ? std::string() : verdict + "; ") + "A0 " + printf_number("%.1f", o.margins.dc_gain_db) +
              " < " + printf_number("%.0f", st.min_opamp_gain) + " dB";
  }
  o.passed = ok;
  o.verdict = verdict;
  return o;
}

std::vector<LoopReport> judge_loops(const JobResults& r, const ConditionPlan& p, double min_pm,
                                    const config::StabilityConfig& st) {
  std::vector<LoopReport> out;
  for (std::size_t i = 0; i < p.loops.size(); ++i) {
    const auto& l = p.loops[i];
    LoopReport lr;
    lr.name = l.name;
    lr.block = l.block;
    lr.kind = circuit::to_string(l.kind);
    const std::string why = r.failed(kLoopV * kStride + i) + r.failed(kLoopI * kStride + i);
    if (!why.empty()) {
      lr.verdict = "simulation failed: " + why;
    } else {
      try {
        std::vector<double> f;
        const auto t = probe_loop_gain(r.plot(kLoopV * kStride + i), r.plot(kLoopI * kStride + i), l.output, l.name, f);
        lr.margins = analysis::loop_margins(f, t);
        std::tie(lr.passed, lr.verdict) = judge(lr.margins, min_pm, st.min_gain_margin, st.f_max);
      } catch (const Error& e) {
        lr.verdict = e.what();
      }
    }
    out.push_back(std::move(lr));
  }
  return out;
}

// One integrator's step response (with-step minus without-step) against the
// overshoot and settling specs.
StepReport judge_step(const spice::Plot& p1, const spice::Plot& p0, const circuit::OpampLoop& l, const ConditionPlan& p,
                      const config::StabilityConfig& st) {
  StepReport sr;
  sr.name = l.name;
  std::vector<double> grid;
  for (double t = 0; t <= p.t0 + p.window + 1e-15; t += p.dt) grid.push_back(std::min(t, p.t0 + p.window));
  const auto y1 = analysis::interpolate_linear(p1.at("time").re, p1.at("v(" + l.output + ")").re, grid);
  const auto y0 = analysis::interpolate_linear(p0.at("time").re, p0.at("v(" + l.output + ")").re, grid);
  std::vector<double> d(grid.size());
  for (std::size_t j = 0; j < grid.size(); ++j) d[j] = y1[j] - y0[j];
  sr.metrics = analysis::step_metrics(grid, d, p.t0, st.step, st.settle_band);
  std::string verdict;
  if (!(sr.metrics.overshoot <= st.max_overshoot))
    verdict += "overshoot " + printf_number("%.1f", 100 * sr.metrics.overshoot) + " % > " +
               printf_number("%.0f", 100 * st.max_overshoot) + " %; ";
  if (!sr.metrics.settled || !(sr.metrics.settling <= st.max_settling))
    verdict += "settling " +
               (sr.metrics.settled ? printf_number("%.3g s", sr.metrics.settling) : std::string("never")) + " > " +
               printf_number("%.3g s", st.max_settling) + "; ";
  sr.passed = verdict.empty();
  sr.verdict = verdict.empty() ? "ok" : verdict.substr(0, verdict.size() - 2);
  return sr;
}

std::vector<StepReport> judge_steps(const JobResults& r, const ConditionPlan& p, const config::StabilityConfig& st) {
  std::vector<StepReport> out;
  for (std::size_t k = 0; k < p.step_loops.size(); ++k) {
    const auto& l = p.loops[p.step_loops[k]];
    StepReport sr;
    sr.name = l.name;
    const std::string why = r.failed(kStep * kStride + k) + r.failed(kNoStep * kStride + k);
    if (!why.empty()) {
      sr.verdict = "simulation failed: " + why;
    } else {
      try {
        sr = judge_step(r.plot(kStep * kStride + k), r.plot(kNoStep * kStride + k), l, p, st);
      } catch (const std::exception& e) {
        sr.verdict = e.what();
      }
    }
    out.push_back(std::move(sr));
  }
  return out;
}

// The condition's table on the console; returns the number of failing items.
long print_condition(std::ostream& log, const config::StabilityConfig& st, const ConditionReport& cr,
                     const RectifierFigures* rf) {
  const std::string label =
      std::string(config::enum_name(cr.corner)) + ", " + printf_number("%g", cr.temperature) + " C";
  log << "\nstability at " << label << " (corner " << config::enum_name(cr.corner) << ", "
      << printf_number("%g", cr.temperature) << " C; start state of trajectory " << st.sample
      << "; PM >= " << printf_number("%.0f", cr.min_phase_margin)
      << " deg, GM >= " << printf_number("%.0f", st.min_gain_margin) << " dB)\n";
  const auto& om = cr.opamp.margins;
  log << "  op-amp alone (unity follower, load " << printf_number("%.3g", st.load_r) << " ohm || "
      << printf_number("%.3g", st.load_c) << " F): A0 " << printf_number("%.1f", om.dc_gain_db) << " dB, UGF "
      << hz(om.ugf) << ", PM " << printf_number("%.1f", om.phase_margin) << " deg -> "
      << (cr.opamp.passed ? "PASS" : "FAIL (" + cr.opamp.verdict + ")") << "\n";
  if (cr.supply_power > 0)
    log << "  supply power of the op-amps (and transistor-level rectifiers) at the operating point: "
        << printf_number("%.3g", cr.supply_power * 1e3) << " mW\n";
  long fails = cr.opamp.passed ? 0 : 1;
  if (rf) {
    const auto [ok, verdict] = rf->error.empty() ? judge(rf->loop, cr.min_phase_margin, st.min_gain_margin, st.f_max)
                                                 : std::pair<bool, std::string>{false, rf->error};
    fails += !ok;
    log << "  rectifier alone (load " << printf_number("%.3g", st.load_r) << " ohm || "
        << printf_number("%.3g", st.load_c) << " F): offset " << printf_number("%.3g", rf->offset * 1e3)
        << " mV at +20 mV, knee " << printf_number("%.3g", rf->knee * 1e3) << " mV at 0, linear to "
        << printf_number("%.3g", rf->linear_max * 1e3) << " mV, settling "
        << printf_number("%.3g", rf->settle_rise * 1e9) << " / " << printf_number("%.3g", rf->settle_fall * 1e9)
        << " ns (up / down), " << printf_number("%.3g", rf->power_on * 1e6) << " / "
        << printf_number("%.3g", rf->power_off * 1e6) << " uW (on / off), " << printf_number("%.3g", rf->area * 1e12)
        << " um2; loop UGF " << hz(rf->loop.ugf) << ", PM " << printf_number("%.1f", rf->loop.phase_margin)
        << " deg -> " << (ok ? "PASS" : "FAIL (" + verdict + ")") << "\n";
  }
  log << "  | loop | kind | |T| at " << hz(st.f_min) << " | UGF | phase margin | gain margin | result |\n"
      << "  |---|---|---|---|---|---|---|\n";
  for (const auto& l : cr.loops) {
    const auto& m = l.margins;
    log << "  | " << l.name << " | " << l.kind << " | " << printf_number("%.1f dB", m.dc_gain_db) << " | " << hz(m.ugf)
        << " | " << (std::isfinite(m.phase_margin) ? printf_number("%.1f deg", m.phase_margin) : std::string("-"))
        << " | " << (m.phase_crosses ? printf_number("%.1f dB", m.gain_margin) : std::string("inf")) << " | "
        << (l.passed ? "PASS" : "FAIL: " + l.verdict) << " |\n";
  }
  if (!cr.steps.empty()) {
    log << "  | integrator step (" << printf_number("%.3g", st.step) << " V at +input) | overshoot | settling ("
        << printf_number("%.3g", 100 * st.settle_band) << " %) | result |\n  |---|---|---|---|\n";
    for (const auto& s : cr.steps)
      log << "  | " << s.name << " | " << printf_number("%.1f %%", 100 * s.metrics.overshoot) << " | "
          << (s.metrics.settled ? printf_number("%.3g s", s.metrics.settling) : std::string("not settled")) << " | "
          << (s.passed ? "PASS" : "FAIL: " + s.verdict) << " |\n";
  }
  for (const auto& l : cr.loops) fails += !l.passed;
  for (const auto& s : cr.steps) fails += !s.passed;
  log << "  " << (fails == 0 ? "PASS" : "FAIL") << " at " << label << ": " << cr.loops.size() << " loops, "
      << cr.steps.size() << " step responses, " << fails << " failing\n"
      << std::flush;
  return fails;
}

nlohmann::json condition_json(const ConditionReport& cr, long fails, const RectifierFigures* rf) {
  nlohmann::json jl = nlohmann::json::array();
  for (const auto& l : cr.loops)
    jl.push_back({{"name", l.name},
                  {"block", l.block},
                  {"kind", l.kind},
                  {"passed", l.passed},
                  {"verdict", l.verdict},
                  {"margins", margins_json(l.margins)}});
  nlohmann::json js = nlohmann::json::array();
  for (const auto& s : cr.steps)
    js.push_back({{"name", s.name},
                  {"passed", s.passed},
                  {"verdict", s.verdict},
                  {"overshoot", json_number(s.metrics.overshoot)},
                  {"settling_seconds", json_number(s.metrics.settling)},
                  {"settled", s.metrics.settled}});
  return {{"corner", std::string(config::enum_name(cr.corner))},
          {"temperature", cr.temperature},
          {"min_phase_margin", cr.min_phase_margin},
          {"passed", fails == 0},
          {"opamp",
           {{"passed", cr.opamp.passed}, {"verdict", cr.opamp.verdict}, {"margins", margins_json(cr.opamp.margins)}}},
          {"opamp_supply_watts", cr.supply_power},
          {"rectifier", rf ? rf->json() : nlohmann::json(nullptr)},
          {"loops", jl},
          {"steps", js}};
}

// One corner and temperature: plan, simulate, judge, print; adds the
// condition to the report and its JSON to `conditions`.
void run_condition(const config::Config& cfg, config::Corner corner, double temp, const Task& task,
                   const StabilityOptions& opt, Simulator& sim, StabilityReport& report, nlohmann::json& conditions,
                   std::ostream& log) {
  const auto& st = cfg.stability;
  const config::Config c = at_condition(cfg, corner, temp);
  ConditionReport cr;
  cr.corner = corner;
  cr.temperature = temp;
  const bool nominal = corner == config::Corner::tt && std::abs(temp - 27.0) < 1e-9;
  cr.min_phase_margin = nominal ? st.min_phase_margin : st.min_phase_margin_corners;
  spice::Runner& runner = *sim.runner;
  std::shared_ptr<const circuit::TransistorEnvironment> tenv;
  if (uses_transistor_level(cfg)) tenv = transistor_environment(c, &runner);
  const ConditionPlan plan = plan_condition(c, task, opt, sim.use_klu);
  submit_condition_jobs(c, plan, tenv, runner);
  const JobResults results(runner);
  cr.opamp = judge_opamp(results, cr.min_phase_margin, st);
  cr.loops = judge_loops(results, plan, cr.min_phase_margin, st);
  cr.steps = judge_steps(results, plan, st);
  const bool rectifier = c.circuit.level_of(c.circuit.blocks.relu) == config::Level::transistor;
  RectifierFigures rf;
  if (rectifier) rf = characterise_rectifier(c, tenv, runner);
  if (results.failed(kOp * kStride).empty() && !plan.supplies.empty())
    cr.supply_power =
        supply_power(results.plot(kOp * kStride), plan.supplies, c.circuit.supply.vdd, c.circuit.supply.vss);
  const long fails = print_condition(log, st, cr, rectifier ? &rf : nullptr);
  report.failures += fails;
  conditions.push_back(condition_json(cr, fails, rectifier ? &rf : nullptr));
  report.conditions.push_back(std::move(cr));
}

}  // namespace

StabilityReport run_stability(const config::Config& cfg, const Task& task, const StabilityOptions& opt,
                              std::ostream& log) {
  const auto& st = cfg.stability;
  std::vector<config::Corner> corners = opt.corners;
  if (corners.empty()) corners.push_back(cfg.circuit.transistor.corner);
  std::vector<double> temps = opt.temperatures;
  if (temps.empty()) temps.push_back(cfg.circuit.transistor.temperature);
  for (double t : temps)
    if (t < -55 || t > 150)
      throw InputError(Diagnostic{SourceLocation{"--temp"}, "",
                                  "temperature must be in [-55, 150] C (got " + exact_number(t) + ")"});

  Simulator sim = start_simulator(cfg, false);
  StabilityReport report;
  nlohmann::json conditions = nlohmann::json::array();
  for (const auto corner : corners)
    for (const double temp : temps) run_condition(cfg, corner, temp, task, opt, sim, report, conditions, log);
  report.json = {{"config", cfg.source},
                 {"specs",
                  {{"min_phase_margin", st.min_phase_margin},
                   {"min_phase_margin_corners", st.min_phase_margin_corners},
                   {"min_gain_margin", st.min_gain_margin},
                   {"min_opamp_gain", st.min_opamp_gain},
                   {"max_overshoot", st.max_overshoot},
                   {"max_settling", st.max_settling}}},
                 {"conditions", conditions},
                 {"failures", report.failures},
                 {"passed", report.passed()}};
  save_stability_report(report, opt.out_dir, log);
  log << (report.passed() ? "stability: PASS" : "stability: FAIL") << " (" << report.conditions.size()
      << " condition(s), " << report.failures << " failing item(s))\n";
  return report;
}

void save_stability_report(const StabilityReport& report, const std::filesystem::path& out_dir, std::ostream& log) {
  if (out_dir.empty()) return;
  prepare_output_dir(out_dir.string());
  write_file(out_dir / "stability.json", report.json.dump(2) + "\n", "stability results");
  log << "\nresults in " << (out_dir / "stability.json").string() << "\n";
}

}  // namespace memcosim::flow
