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

nlohmann::json num(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); }

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
            {"median", num(quantile(values, 0.5))},
            {"p05", num(quantile(values, 0.05))},
            {"p95", num(quantile(values, 0.95))},
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

void set_input(circuit::Circuit& c, double v) {
  if (const auto* e = c.find("Vin")) {
    auto s = std::get<circuit::VoltageSource>(*e);
    s.value = circuit::SourceValue{v};
    c.replace(std::move(s));
  }
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
  spice::Runner& runner = *sim.runner;
  const bool use_klu = sim.use_klu;
  const bool rectifier = cfg.circuit.level_of(cfg.circuit.blocks.relu) == config::Level::transistor;
  const std::string ac = ac_command(cfg);
  const bool nominal =
      cfg.circuit.transistor.corner == config::Corner::tt && std::abs(cfg.circuit.transistor.temperature - 27.0) < 1e-9;
  const double min_pm = nominal ? st.min_phase_margin : st.min_phase_margin_corners;

  std::vector<circuit::OpampLoop> loops, in_situ;
  std::vector<std::string> op_vectors;
  const long n = opt.mismatch;
  auto submit = [&](std::uint64_t id, const circuit::Circuit& c, const std::string& analysis,
                    std::vector<std::string> vectors) {
    spice::Job job;
    job.id = id;
    job.netlist = spice::emit(c);
    job.analysis = analysis;
    job.vectors = std::move(vectors);
    job.timeout_s = cfg.simulation.timeout;
    runner.submit(std::move(job));
  };
  for (long k = 0; k < n; ++k) {
    const config::Config c = with_draw(cfg, k);
    const auto tenv = transistor_environment(c, &runner);
    circuit::Circuit dc = task.circuit(c, use_klu, static_cast<std::uint64_t>(st.sample));
    circuit::hold_integrators(dc);
    dc.tran.reset();
    dc.clear_saves();
    if (k == 0) {
      loops = circuit::find_opamp_loops(dc);
      for (const auto& name : opt.loops) {
        auto it = std::find_if(loops.begin(), loops.end(), [&](const auto& l) { return l.name == name; });
        if (it == loops.end())
          throw InputError(Diagnostic{SourceLocation{"--loops"}, "", "no op-amp named '" + name + "' in the circuit"});
        in_situ.push_back(*it);
      }
      for (const auto& l : loops)
        for (const auto& node : {l.plus, l.minus})
          if (node != "0" && std::find(op_vectors.begin(), op_vectors.end(), "v(" + node + ")") == op_vectors.end())
            op_vectors.push_back("v(" + node + ")");
    }
    const auto id = static_cast<std::uint64_t>(k);
    submit(kOp * kStride + id, dc, "op", op_vectors);
    for (int run = 0; run < 2; ++run)
      submit((run == 0 ? kBenchV : kBenchI) * kStride + id, opamp_bench(c, tenv, run == 0 ? 1.0 : 0.0, run), ac,
             run == 0 ? std::vector<std::string>{"v(out)", "v(out_lb)"} : std::vector<std::string>{"i(vlb_opamp)"});
    if (rectifier) {
      circuit::Circuit rb = rectifier_bench(c, tenv);
      set_input(rb, 0.02);
      submit(kRectOp * kStride + id, rb, "op", {"v(out)"});
      const circuit::OpampLoop rl{"relu", "rectifier", circuit::LoopKind::rectifier, "out", "in"};
      for (int run = 0; run < 2; ++run) {
        circuit::Circuit circ = rb;
        circuit::insert_loop_probe(circ, rl, run == 0 ? 1.0 : 0.0, run);
        submit((run == 0 ? kRectV : kRectI) * kStride + id, circ, ac,
               run == 0 ? std::vector<std::string>{"v(out)", "v(out_lb)"} : std::vector<std::string>{"i(vlb_relu)"});
      }
    }
    for (std::size_t i = 0; i < in_situ.size(); ++i)
      for (int run = 0; run < 2; ++run) {
        circuit::Circuit circ = dc;
        circuit::insert_loop_probe(circ, in_situ[i], run == 0 ? 1.0 : 0.0, run);
        const auto& l = in_situ[i];
        submit((run == 0 ? kLoopV : kLoopI) * kStride + id * 1000 + i, circ, ac,
               run == 0 ? std::vector<std::string>{"v(" + l.output + ")", "v(" + l.output + "_lb)"}
                        : std::vector<std::string>{"i(vlb_" + l.name + ")"});
      }
  }
  std::map<std::uint64_t, spice::Result> results;
  while (auto r = runner.next()) results.emplace(r->id, std::move(*r));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  auto ok = [&](std::uint64_t id) {
    const auto it = results.find(id);
    return it != results.end() && it->second.ok();
  };
  auto margins = [&](std::uint64_t v_id, std::uint64_t i_id, const std::string& output, const std::string& name) {
    if (!ok(v_id) || !ok(i_id)) return analysis::LoopMargins{};
    std::vector<double> f;
    const auto t = probe_loop_gain(results.at(v_id).plot, results.at(i_id).plot, output, name, f);
    return analysis::loop_margins(f, t);
  };
  // Series: loop offsets, bench margins, in-situ margins.
  std::vector<Series> offsets(loops.size());
  for (std::size_t i = 0; i < loops.size(); ++i) offsets[i] = Series(loops[i].name, "mV", 1e3);
  Series opamp_pm("op-amp alone: phase margin", "deg"), opamp_a0("op-amp alone: A0", "dB");
  Series rect_pm("rectifier alone: phase margin", "deg"), rect_off("rectifier alone: offset at +20 mV", "mV", 1e3);
  std::vector<Series> situ_pm(in_situ.size());
  for (std::size_t i = 0; i < in_situ.size(); ++i)
    situ_pm[i] = Series(in_situ[i].name + " in place: phase margin", "deg");
  long chip_good = 0;
  for (long k = 0; k < n; ++k) {
    const auto id = static_cast<std::uint64_t>(k);
    bool chip = ok(kOp * kStride + id);
    for (std::size_t i = 0; i < loops.size(); ++i) {
      double off = kNaN;
      if (ok(kOp * kStride + id)) {
        const auto& p = results.at(kOp * kStride + id).plot;
        auto v = [&](const std::string& node) { return node == "0" ? 0.0 : p.at("v(" + node + ")").re.at(0); };
        off = v(loops[i].plus) - v(loops[i].minus);
        // A rectifier whose input is not positive is off: in - out is then
        // its input, not an offset (its loop is open; its output floats to
        // what R_pd and the row's virtual grounds make it); not counted.
        if (loops[i].kind == circuit::LoopKind::rectifier && !(v(loops[i].plus) > kRectifierOn)) {
          ++offsets[i].skipped;
          continue;
        }
      }
      offsets[i].values.push_back(off);
      offsets[i].ok.push_back(std::abs(off) <= st.max_offset);
      chip = chip && std::abs(off) <= st.max_offset;
    }
    const auto om = margins(kBenchV * kStride + id, kBenchI * kStride + id, "out", "opamp");
    opamp_pm.values.push_back(om.phase_margin);
    opamp_pm.ok.push_back(om.phase_margin >= min_pm);
    opamp_a0.values.push_back(om.dc_gain_db);
    opamp_a0.ok.push_back(om.dc_gain_db >= st.min_opamp_gain);
    chip = chip && om.phase_margin >= min_pm && om.dc_gain_db >= st.min_opamp_gain;
    if (rectifier) {
      const auto rm = margins(kRectV * kStride + id, kRectI * kStride + id, "out", "relu");
      rect_pm.values.push_back(rm.phase_margin);
      rect_pm.ok.push_back(rm.phase_margin >= min_pm);
      const double off =
          ok(kRectOp * kStride + id) ? results.at(kRectOp * kStride + id).plot.at("v(out)").re.at(0) - 0.02 : kNaN;
      rect_off.values.push_back(off);
      rect_off.ok.push_back(std::abs(off) <= st.max_offset);
      chip = chip && rm.phase_margin >= min_pm && std::abs(off) <= st.max_offset;
    }
    for (std::size_t i = 0; i < in_situ.size(); ++i) {
      const auto m = margins(kLoopV * kStride + id * 1000 + i, kLoopI * kStride + id * 1000 + i, in_situ[i].output,
                             in_situ[i].name);
      situ_pm[i].values.push_back(m.phase_margin);
      situ_pm[i].ok.push_back(m.phase_margin >= min_pm);
      chip = chip && m.phase_margin >= min_pm;
    }
    chip_good += chip;
  }

  const double yield = double(chip_good) / double(n);
  log << "\nmismatch Monte Carlo: " << n << " draws (circuit.transistor.mismatch: A_VT "
      << printf_number("%.3g", cfg.circuit.transistor.mismatch.avt_n * 1e9) << " / "
      << printf_number("%.3g", cfg.circuit.transistor.mismatch.avt_p * 1e9) << " mV*um, A_beta "
      << printf_number("%.3g", cfg.circuit.transistor.mismatch.abeta_n * 1e8) << " / "
      << printf_number("%.3g", cfg.circuit.transistor.mismatch.abeta_p * 1e8) << " %*um, NMOS / PMOS) at "
      << config::enum_name(cfg.circuit.transistor.corner) << ", "
      << printf_number("%g", cfg.circuit.transistor.temperature)
      << " C; specs |offset| <= " << printf_number("%.3g", st.max_offset * 1e3)
      << " mV, PM >= " << printf_number("%.0f", min_pm) << " deg, A0 >= " << printf_number("%.0f", st.min_opamp_gain)
      << " dB\n"
      << "  | quantity | median | 5th pct | 95th pct | yield |\n  |---|---|---|---|---|\n";
  nlohmann::json jseries = nlohmann::json::array();
  auto row = [&](const Series& s) {
    if (s.ok.empty()) {
      log << "  | " << s.name << " offset | off in every draw (input negative at the start state) | | | |\n";
      jseries.push_back(s.json());
      return;
    }
    log << "  | " << s.name << (s.unit == "mV" && s.name.find(':') == std::string::npos ? " offset" : "") << " | "
        << printf_number("%.3g", quantile(s.values, 0.5) * s.scale) << " " << s.unit << " | "
        << printf_number("%.3g", quantile(s.values, 0.05) * s.scale) << " | "
        << printf_number("%.3g", quantile(s.values, 0.95) * s.scale) << " | "
        << printf_number("%.1f %%", 100.0 * double(std::count(s.ok.begin(), s.ok.end(), true)) / double(s.ok.size()))
        << (s.skipped > 0 ? " (on in " + std::to_string(s.ok.size()) + " draws)" : std::string()) << " |\n";
    jseries.push_back(s.json());
  };
  row(opamp_a0);
  row(opamp_pm);
  if (rectifier) {
    row(rect_pm);
    row(rect_off);
  }
  for (const auto& s : situ_pm) row(s);
  for (const auto& s : offsets) row(s);
  long op_failed = 0;
  for (long k = 0; k < n; ++k) op_failed += !ok(kOp * kStride + static_cast<std::uint64_t>(k));
  if (op_failed > 0)
    log << "  " << op_failed << " draw(s) without an operating point of the whole circuit (counted as failing)\n";
  log << "  chip yield (every spec in one draw): " << printf_number("%.1f %%", 100 * yield) << " (" << chip_good
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
