// `memcosim stability`: every op-amp loop of the generated solver circuit
// measured in place, at one or more corners and temperatures.
//
// For each condition (corner x temperature):
//   - the solver circuit of the config is built (at transistor level with
//     that corner's models, 1T1R cells programmed there) with the start
//     state of trajectory stability.sample; every integrator is held at that
//     state for the DC operating point (circuit/loops.hpp), so the AC
//     analysis linearises the circuit where the sampling starts;
//   - each op-amp loop is broken at the op-amp's output by a probe and its
//     loop gain measured by double injection (analysis/stability.hpp): DC
//     loop gain, unity-gain frequency, phase margin, gain margin;
//   - each integrator gets a small step (stability.step) at its
//     non-inverting input in a transient from the start state; the response
//     (with-step minus without-step) gives overshoot and settling time;
//   - the op-amp alone is characterised as a unity-gain follower loaded by
//     stability.load_r || load_c: open-loop gain A(s) = its loop gain.
// Specs come from the stability section; the report has a table per
// condition with pass/fail, and stability.json.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/stability.hpp"
#include "circuit/ir.hpp"
#include "circuit/loops.hpp"
#include "circuit/transistor.hpp"
#include "config/config.hpp"
#include "flow/task.hpp"
#include "nn/weights.hpp"
#include "spice/plot.hpp"
#include "spice/runner.hpp"

namespace memcosim::flow {

struct StabilityOptions {
  std::vector<config::Corner> corners;  // empty: circuit.transistor.corner
  std::vector<double> temperatures;     // empty: circuit.transistor.temperature
  // Op-amps to measure by name ("int0", "l1_tia3"); empty: all; the single
  // word "first": the first op-amp of each block.
  std::vector<std::string> loops;
  bool steps = true;              // the integrators' step responses
  long mismatch = 0;              // > 0: run_stability_mismatch over this many draws
  std::filesystem::path out_dir;  // stability.json; empty: not written
};

struct LoopReport {
  std::string name, block, kind;
  analysis::LoopMargins margins;
  bool passed = false;
  std::string verdict;  // what failed, or "ok"
};

struct StepReport {
  std::string name;
  analysis::StepMetrics metrics;
  bool passed = false;
  std::string verdict;
};

struct OpampReport {
  analysis::LoopMargins margins;  // of the unity follower: A(s)
  bool passed = false;
  std::string verdict;
};

struct ConditionReport {
  config::Corner corner = config::Corner::tt;
  double temperature = 27;
  double min_phase_margin = 0;  // the spec that applied
  OpampReport opamp;
  std::vector<LoopReport> loops;
  std::vector<StepReport> steps;
  double supply_power = 0;  // W drawn from the op-amp supplies at the operating point
  bool passed() const;
};

struct StabilityReport {
  std::vector<ConditionReport> conditions;
  long failures = 0;
  nlohmann::json json;
  bool passed() const { return failures == 0; }
};

// Runs everything; simulator failures of single jobs count as failures of
// their loop (named in the table). Throws InputError for bad options.
StabilityReport run_stability(const config::Config& cfg, const Task& task, const StabilityOptions& options,
                              std::ostream& log);

// `memcosim stability --mismatch N` (at the first corner and temperature of
// the options): N device-mismatch draws (circuit.transistor.mismatch with
// enabled = true, draw = 0 .. N-1). Per draw: one operating point of the
// whole solver circuit (integrators held at the start state) gives every
// loop's DC input offset; the op-amp bench (unity follower) and the
// rectifier bench (at +20 mV) give phase margin, A0 and the rectifier's
// offset; the loops named in options.loops are also measured in place
// (AC). Reports per loop the median and 5th/95th percentiles and the
// yield against the specs (stability.max_offset, phase margins, A0); the
// run fails when the chip yield is below stability.min_yield.
StabilityReport run_stability_mismatch(const config::Config& cfg, const Task& task, const StabilityOptions& options,
                                       std::ostream& log);

// Writes report.json to <out_dir>/stability.json (nothing when out_dir is
// empty) and says where on `log`; both stability commands end with it.
void save_stability_report(const StabilityReport& report, const std::filesystem::path& out_dir, std::ostream& log);

// The op-amp characterisation bench: one op-amp at the level of the
// integrators, as a unity-gain follower (+ input at 0 V) loaded by
// stability.load_r || load_c, with the loop probe (Vlb_opamp, Ilb_opamp) at
// its output; AC magnitudes v_ac / i_ac. Its loop gain is A(s).
circuit::Circuit opamp_bench(const config::Config& cfg, std::shared_ptr<const circuit::TransistorEnvironment> t,
                             double v_ac, double i_ac);

// Submits the bench's two AC runs: job v_id with Vt = 1 (returns v(out),
// v(out_lb)) and job i_id with It = 1 (returns i(vlb_opamp)).
void submit_opamp_bench(spice::Runner& runner, std::uint64_t v_id, std::uint64_t i_id, const config::Config& cfg,
                        const std::shared_ptr<const circuit::TransistorEnvironment>& t, const std::string& ac,
                        double timeout_s);

// The circuit c with every integrator held at its start state and without
// transient or saves: what the operating point and the AC runs linearise.
circuit::Circuit held_at_start(circuit::Circuit c);

// The op-amp loop called `name` (--loops); InputError when there is none.
const circuit::OpampLoop& loop_named(const std::vector<circuit::OpampLoop>& loops, const std::string& name);

// The AC analysis command of the sweep (stability.f_min .. f_max).
std::string ac_command(const config::Config& cfg);

// Submits the two AC runs of a loop probe on a copy of c: job v_id with
// Vt = 1 (returns v(<output>), v(<output>_lb)) and job i_id with It = 1
// (returns i(Vlb_<name>)); probe_loop_gain reads them.
void submit_loop_probe(spice::Runner& runner, std::uint64_t v_id, std::uint64_t i_id, const circuit::Circuit& c,
                       const circuit::OpampLoop& loop, const std::string& ac, double timeout_s);

// The loop gain of the probe Vlb_<name> at node `output` from the plots of
// run 1 (Vt = 1: v(<output>), v(<output>_lb)) and run 2 (It = 1:
// i(Vlb_<name>)); the frequencies go to `f`. Throws SimulationError if a
// vector is missing or the runs' frequencies differ.
std::vector<analysis::Complex> probe_loop_gain(const spice::Plot& run1, const spice::Plot& run2,
                                               const std::string& output, const std::string& name,
                                               std::vector<double>& f);

}  // namespace memcosim::flow
