// `memcosim stability --mismatch N` (flow/stability.hpp).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <ostream>

#include "circuit/loops.hpp"
#include "flow/common.hpp"
#include "flow/rectifier.hpp"
#include "flow/simulate.hpp"
#include "flow/stability.hpp"
#include "flow/transistor.hpp"
#include "reference/sampler.hpp"
#include "spice/emitter.hpp"
#include "spice/runner.hpp"
#include "util/error.hpp"
#include "util/files.hpp"
#include "util/numbers.hpp"

namespace memcosim::flow {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// A rectifier counts as on when its input is above this (V).
constexpr double kRectifierOn = 1e-3;

// Linear-interpolated quantile of the finite values (NaN if none).
double quantile(std::vector<double> v, double q) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return !std::isfinite(x); }), v.end());
  if (v.empty()) return kNaN;
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

// One measured quantity over the draws, and how many draws met its spec.
struct Series {
  Series() = default;
  Series(std::string name_, std::string unit_, double scale_ = 1.0)
      : name(std::move(name_)), unit(std::move(unit_)), scale(scale_) {}
  std::string name, unit;
  std::vector<double> values;
  std::vector<bool> ok;
  double scale = 1.0;  // for printing
  long skipped = 0;    // draws not counted (a rectifier that is off)
  nlohmann::json json() const {
    const long good = std::count(ok.begin(), ok.end(), true);
    return {{"name", name},
            {"median", json_number(quantile(values, 0.5))},
            {"p05", json_number(quantile(values, 0.05))},
            {"p95", json_number(quantile(values, 0.95))},
            {"counted", ok.size()},
            {"skipped_off", skipped},
            {"yield", ok.empty() ? nlohmann::json(nullptr) : nlohmann::json(double(good) / double(ok.size()))}};
  }
};

constexpr std::uint64_t kStride = 1'000'000;
enum : std::uint64_t { kOp = 1, kBenchV, kBenchI, kRectV, kRectI, kRectOp, kLoopV, kLoopI };

config::Config with_draw(const config::Config& cfg, long draw) {
  config::Config c = cfg;
  c.circuit.transistor.mismatch.enabled = true;
  c.circuit.transistor.mismatch.draw = draw;
  return c;
}

// What every draw simulates, fixed by draw 0's circuit: its op-amp loops, the
// ones measured in place (--loops), and the nodes the operating point returns.
struct MismatchPlan {
  std::vector<circuit::OpampLoop> loops, in_situ;
  std::vector<std::string> op_vectors;
  bool rectifier = false;
  double min_pm = 0;
  std::string ac;
};

void plan_loops(MismatchPlan& p, const circuit::Circuit& dc, const std::vector<std::string>& names) {
  p.loops = circuit::find_opamp_loops(dc);
  for (const auto& name : names) p.in_situ.push_back(loop_named(p.loops, name));
  for (const auto& l : p.loops)
    for (const auto& node : {l.plus, l.minus})
      if (node != "0" && std::find(p.op_vectors.begin(), p.op_vectors.end(), "v(" + node + ")") == p.op_vectors.end())
        p.op_vectors.push_back("v(" + node + ")");
}

// Draw k's jobs: the whole circuit's operating point, the op-amp bench, the
// rectifier bench (operating point at +20 mV and its loop), the in-place loops.
void submit_draw(const config::Config& cfg, long k, const Task& task, const StabilityOptions& opt, bool use_klu,
                 MismatchPlan& plan, spice::Runner& runner) {
  const config::Config c = with_draw(cfg, k);
  const double timeout = cfg.simulation.timeout;
  const auto tenv = transistor_environment(c, &runner);
  const circuit::Circuit dc = held_at_start(task.circuit(c, use_klu, static_cast<std::uint64_t>(cfg.stability.sample)));
  if (k == 0) plan_loops(plan, dc, opt.loops);
  const auto id = static_cast<std::uint64_t>(k);
  submit_circuit(runner, kOp * kStride + id, dc, "op", plan.op_vectors, timeout);
  submit_opamp_bench(runner, kBenchV * kStride + id, kBenchI * kStride + id, c, tenv, plan.ac, timeout);
  if (plan.rectifier) {
    circuit::Circuit rb = rectifier_bench(c, tenv);
    set_bench_input(rb, circuit::SourceValue{0.02});
    submit_circuit(runner, kRectOp * kStride + id, rb, "op", {"v(out)"}, timeout);
    submit_loop_probe(runner, kRectV * kStride + id, kRectI * kStride + id, rb, rectifier_bench_loop(), plan.ac,
                      timeout);
  }
  for (std::size_t i = 0; i < plan.in_situ.size(); ++i)
    submit_loop_probe(runner, kLoopV * kStride + id * 1000 + i, kLoopI * kStride + id * 1000 + i, dc, plan.in_situ[i],
                      plan.ac, timeout);
}

// Every quantity over the draws, and the draws that met every spec.
struct MismatchSeries {
  std::vector<Series> offsets;  // per loop
  Series opamp_pm{"op-amp alone: phase margin", "deg"}, opamp_a0{"op-amp alone: A0", "dB"};
  Series rect_pm{"rectifier alone: phase margin", "deg"}, rect_off{"rectifier alone: offset at +20 mV", "mV", 1e3};
  std::vector<Series> situ_pm;  // per in-place loop
  long chip_good = 0;
};

// Draw k's DC input offsets of the loops from the whole circuit's operating
// point; false when a counted offset is out of spec.
bool measure_offsets(const JobResults& results, const MismatchPlan& plan, std::uint64_t id,
                     const config::StabilityConfig& st, MismatchSeries& s) {
  bool chip = true;
  for (std::size_t i = 0; i < plan.loops.size(); ++i) {
    const auto& l = plan.loops[i];
    double off = kNaN;
    if (results.ok(kOp * kStride + id)) {
      const auto& p = results.plot(kOp * kStride + id);
      auto v = [&](const std::string& node) { return node == "0" ? 0.0 : p.at("v(" + node + ")").re.at(0); };
      off = v(l.plus) - v(l.minus);
      // A rectifier whose input is not positive is off: in - out is then
      // its input, not an offset (its loop is open; its output floats to
      // what R_pd and the row's virtual grounds make it); not counted.
      if (l.kind == circuit::LoopKind::rectifier && !(v(l.plus) > kRectifierOn)) {
        ++s.offsets[i].skipped;
        continue;
      }
    }
    s.offsets[i].values.push_back(off);
    s.offsets[i].ok.push_back(std::abs(off) <= st.max_offset);
    chip = chip && std::abs(off) <= st.max_offset;
  }
  return chip;
}

MismatchSeries measure_draws(const JobResults& results, const MismatchPlan& plan, long n,
                             const config::StabilityConfig& st) {
  auto margins = [&](std::uint64_t v_id, std::uint64_t i_id, const std::string& output, const std::string& name) {
    if (!results.ok(v_id) || !results.ok(i_id)) return analysis::LoopMargins{};
    std::vector<double> f;
    const auto t = probe_loop_gain(results.plot(v_id), results.plot(i_id), output, name, f);
    return analysis::loop_margins(f, t);
  };
  const double min_pm = plan.min_pm;
  MismatchSeries s;
  for (const auto& l : plan.loops) s.offsets.emplace_back(l.name, "mV", 1e3);
  for (const auto& l : plan.in_situ) s.situ_pm.emplace_back(l.name + " in place: phase margin", "deg");
  for (long k = 0; k < n; ++k) {
    const auto id = static_cast<std::uint64_t>(k);
    bool chip = results.ok(kOp * kStride + id);
    chip = measure_offsets(results, plan, id, st, s) && chip;
    const auto om = margins(kBenchV * kStride + id, kBenchI * kStride + id, "out", "opamp");
    s.opamp_pm.values.push_back(om.phase_margin);
    s.opamp_pm.ok.push_back(om.phase_margin >= min_pm);
    s.opamp_a0.values.push_back(om.dc_gain_db);
    s.opamp_a0.ok.push_back(om.dc_gain_db >= st.min_opamp_gain);
    chip = chip && om.phase_margin >= min_pm && om.dc_gain_db >= st.min_opamp_gain;
    if (plan.rectifier) {
      const auto rm = margins(kRectV * kStride + id, kRectI * kStride + id, "out", "relu");
      s.rect_pm.values.push_back(rm.phase_margin);
      s.rect_pm.ok.push_back(rm.phase_margin >= min_pm);
      const double off =
          results.ok(kRectOp * kStride + id) ? results.plot(kRectOp * kStride + id).at("v(out)").re.at(0) - 0.02 : kNaN;
      s.rect_off.values.push_back(off);
      s.rect_off.ok.push_back(std::abs(off) <= st.max_offset);
      chip = chip && rm.phase_margin >= min_pm && std::abs(off) <= st.max_offset;
    }
    for (std::size_t i = 0; i < plan.in_situ.size(); ++i) {
      const auto m = margins(kLoopV * kStride + id * 1000 + i, kLoopI * kStride + id * 1000 + i, plan.in_situ[i].output,
                             plan.in_situ[i].name);
      s.situ_pm[i].values.push_back(m.phase_margin);
      s.situ_pm[i].ok.push_back(m.phase_margin >= min_pm);
      chip = chip && m.phase_margin >= min_pm;
    }
    s.chip_good += chip;
  }
  return s;
}

// The table of quantiles and yields; returns the series as JSON.
nlohmann::json print_series(std::ostream& log, const config::Config& cfg, const MismatchPlan& plan,
                            const MismatchSeries& s, long n) {
  const auto& st = cfg.stability;
  const auto& mm = cfg.circuit.transistor.mismatch;
  log << "\nmismatch Monte Carlo: " << n << " draws (circuit.transistor.mismatch: A_VT "
      << printf_number("%.3g", mm.avt_n * 1e9) << " / " << printf_number("%.3g", mm.avt_p * 1e9) << " mV*um, A_beta "
      << printf_number("%.3g", mm.abeta_n * 1e8) << " / " << printf_number("%.3g", mm.abeta_p * 1e8)
      << " %*um, NMOS / PMOS) at " << config::enum_name(cfg.circuit.transistor.corner) << ", "
      << printf_number("%g", cfg.circuit.transistor.temperature)
      << " C; specs |offset| <= " << printf_number("%.3g", st.max_offset * 1e3)
      << " mV, PM >= " << printf_number("%.0f", plan.min_pm)
      << " deg, A0 >= " << printf_number("%.0f", st.min_opamp_gain) << " dB\n"
      << "  | quantity | median | 5th pct | 95th pct | yield |\n  |---|---|---|---|---|\n";
  nlohmann::json jseries = nlohmann::json::array();
  auto row = [&](const Series& x) {
    jseries.push_back(x.json());
    if (x.ok.empty()) {
      log << "  | " << x.name << " offset | off in every draw (input negative at the start state) | | | |\n";
      return;
    }
    log << "  | " << x.name << (x.unit == "mV" && x.name.find(':') == std::string::npos ? " offset" : "") << " | "
        << printf_number("%.3g", quantile(x.values, 0.5) * x.scale) << " " << x.unit << " | "
        << printf_number("%.3g", quantile(x.values, 0.05) * x.scale) << " | "
        << printf_number("%.3g", quantile(x.values, 0.95) * x.scale) << " | "
        << printf_number("%.1f %%", 100.0 * double(std::count(x.ok.begin(), x.ok.end(), true)) / double(x.ok.size()))
        << (x.skipped > 0 ? " (on in " + std::to_string(x.ok.size()) + " draws)" : std::string()) << " |\n";
  };
  row(s.opamp_a0);
  row(s.opamp_pm);
  if (plan.rectifier) {
    row(s.rect_pm);
    row(s.rect_off);
  }
  for (const auto& x : s.situ_pm) row(x);
  for (const auto& x : s.offsets) row(x);
  return jseries;
}

}  // namespace

StabilityReport run_stability_mismatch(const config::Config& cfg_in, const Task& task, const StabilityOptions& opt,
                                       std::ostream& log) {
  config::Config cfg = cfg_in;
  if (!opt.corners.empty()) cfg.circuit.transistor.corner = opt.corners.front();
  if (!opt.temperatures.empty()) cfg.circuit.transistor.temperature = opt.temperatures.front();
  if (!uses_transistor_level(cfg))
    throw InputError(Diagnostic{SourceLocation{"--mismatch"}, "", "device mismatch needs a transistor-level circuit"});
  const auto& st = cfg.stability;
  const auto started = std::chrono::steady_clock::now();
  Simulator sim = start_simulator(cfg, false);
  MismatchPlan plan;
  plan.rectifier = cfg.circuit.level_of(cfg.circuit.blocks.relu) == config::Level::transistor;
  plan.ac = ac_command(cfg);
  const bool nominal =
      cfg.circuit.transistor.corner == config::Corner::tt && std::abs(cfg.circuit.transistor.temperature - 27.0) < 1e-9;
  plan.min_pm = nominal ? st.min_phase_margin : st.min_phase_margin_corners;
  const long n = opt.mismatch;
  for (long k = 0; k < n; ++k) submit_draw(cfg, k, task, opt, sim.use_klu, plan, *sim.runner);
  const JobResults results(*sim.runner);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const MismatchSeries series = measure_draws(results, plan, n, st);

  const double yield = double(series.chip_good) / double(n);
  const nlohmann::json jseries = print_series(log, cfg, plan, series, n);
  long op_failed = 0;
  for (long k = 0; k < n; ++k) op_failed += !results.ok(kOp * kStride + static_cast<std::uint64_t>(k));
  if (op_failed > 0)
    log << "  " << op_failed << " draw(s) without an operating point of the whole circuit (counted as failing)\n";
  log << "  chip yield (every spec in one draw): " << printf_number("%.1f %%", 100 * yield) << " (" << series.chip_good
      << " of " << n << "), spec >= " << printf_number("%.0f %%", 100 * st.min_yield) << "; " << results.size()
      << " simulations in " << printf_number("%.1f", seconds) << " s\n";

  StabilityReport report;
  report.failures = yield >= st.min_yield ? 0 : 1;
  report.json = {{"config", cfg.source},
                 {"mismatch",
                  {{"draws", n},
                   {"corner", std::string(config::enum_name(cfg.circuit.transistor.corner))},
                   {"temperature", cfg.circuit.transistor.temperature},
                   {"series", jseries},
                   {"chip_yield", yield},
                   {"min_yield", st.min_yield},
                   {"max_offset", st.max_offset},
                   {"seconds", seconds}}},
                 {"failures", report.failures},
                 {"passed", report.passed()}};
  save_stability_report(report, opt.out_dir, log);
  log << (report.passed() ? "stability --mismatch: PASS" : "stability --mismatch: FAIL") << "\n";
  return report;
}

}  // namespace memcosim::flow
