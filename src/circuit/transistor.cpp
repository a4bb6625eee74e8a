#include "circuit/transistor.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <stdexcept>

#include "circuit/blocks.hpp"
#include "circuit/mismatch.hpp"
#include "util/numbers.hpp"

namespace memcosim::circuit {

double TransistorEnvironment::access_drop(double current) const {
  if (access_id.size() < 2 || access_id.size() != access_vds.size())
    throw std::invalid_argument("the access transistor's I-V has not been measured");
  if (current < 0 || current > access_id.back())
    throw std::invalid_argument("cell current " + spice_number(current) +
                                " A is beyond the access transistor's measured I-V (up to " +
                                spice_number(access_id.back()) + " A)");
  const auto hi =
      static_cast<std::size_t>(std::upper_bound(access_id.begin(), access_id.end(), current) - access_id.begin());
  if (hi == 0) return access_vds.front();
  if (hi >= access_id.size()) return access_vds.back();
  const std::size_t lo = hi - 1;
  const double f = (current - access_id[lo]) / (access_id[hi] - access_id[lo]);
  return access_vds[lo] + f * (access_vds[hi] - access_vds[lo]);
}

std::string block_slug(const std::string& title) {
  std::string s;
  for (char ch : title) {
    const auto u = static_cast<unsigned char>(ch);
    if (std::isalnum(u))
      s += static_cast<char>(std::tolower(u));
    else if (!s.empty() && s.back() != '_')
      s += '_';
  }
  while (!s.empty() && s.back() == '_') s.pop_back();
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) s = "b_" + s;
  return s;
}

Mosfet mosfet(const std::string& name, const std::string& d, const std::string& g, const std::string& s,
              const std::string& b, const std::string& model, double w, double l, double diffusion) {
  Mosfet m{name, d, g, s, b, model, w, l};
  if (diffusion > 0) {
    m.ad = m.as = w * diffusion;
    m.pd = m.ps = 2.0 * (w + diffusion);
  }
  return m;
}

void use_transistor_models(Circuit& c, const TransistorEnvironment& t) {
  if (!c.models().empty()) return;
  for (const auto& card : t.models) c.model(card);
  c.model_notes = {"Device models: corner " + std::string(config::enum_name(t.config.corner)) + " of " + t.library +
                       " (BSIM3v3, level 49, VERSION 3.3; sources of the numbers in that file), at " +
                       spice_number(t.config.temperature) + " C.",
                   "NMOS nch, PMOS pch."};
  c.option("temp", t.config.temperature);
}

namespace {

const TransistorEnvironment& require_transistor(const Environment& env, const std::string& name) {
  if (!env.transistor)
    throw std::invalid_argument(name + ": transistor level needs the transistor environment (models)");
  return *env.transistor;
}

bool has_subcircuit(const Circuit& c, const std::string& name) {
  for (const auto& s : c.subcircuits())
    if (s.name() == name) return true;
  return false;
}

// The subcircuit an instance X<name> of `base` uses: the shared one, or with
// mismatch its own copy <base>_<name> (each copy holds that instance's draws).
std::string subckt_for(const std::string& base, const std::string& name, const TransistorEnvironment& t) {
  if (!t.config.mismatch.enabled) return base;
  std::string s = base + "_";
  for (char ch : name) s += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

// Adds MOSFETs of the subcircuit of instance X<instance> with their mismatch draws.
struct DeviceAdder {
  Circuit& c;
  const Subcircuit& sub;
  const TransistorEnvironment& t;
  std::string instance;
  void operator()(Mosfet m) const {
    apply_mismatch(m, t.config.mismatch, "x" + instance + "." + m.name, m.model == "pch");
    c.add(sub, std::move(m));
  }
};

// The differential first stage every amplifier here shares: Iref into the
// diode Mb, tail M5, NMOS pair M1 (gate inn) / M2 (gate inp), PMOS mirror
// M3/M4; its output is node n1.
struct FirstStage {
  double i_ref, w_bias, l_bias, w_tail, w_in, l_in, w_load, l_load;
};
void add_first_stage(const DeviceAdder& add, const FirstStage& s, const std::string& inp, const std::string& inn,
                     double d) {
  add.c.add(add.sub, CurrentSource{"Iref", "vdd", "nb", SourceValue{s.i_ref}});
  add(mosfet("Mb", "nb", "nb", "vss", "vss", "nch", s.w_bias, s.l_bias, d));
  add(mosfet("M5", "t", "nb", "vss", "vss", "nch", s.w_tail, s.l_bias, d));
  add(mosfet("M1", "d1", inn, "t", "vss", "nch", s.w_in, s.l_in, d));
  add(mosfet("M2", "n1", inp, "t", "vss", "nch", s.w_in, s.l_in, d));
  add(mosfet("M3", "d1", "d1", "vdd", "vdd", "pch", s.w_load, s.l_load, d));
  add(mosfet("M4", "n1", "d1", "vdd", "vdd", "pch", s.w_load, s.l_load, d));
}

// The PMOS second stage M6 from n1 into `out`, its current sink M7 mirrored from nb.
void add_second_stage(const DeviceAdder& add, const std::string& out, double w_stage2, double l_load, double w_sink,
                      double l_bias, double d) {
  add(mosfet("M6", out, "n1", "vdd", "vdd", "pch", w_stage2, l_load, d));
  add(mosfet("M7", out, "nb", "vss", "vss", "nch", w_sink, l_bias, d));
}

void define_opamp(Circuit& c, const TransistorEnvironment& t, const std::string& subckt, const std::string& instance) {
  if (has_subcircuit(c, subckt)) return;
  const auto& o = t.config.opamp;
  const double d = t.config.diffusion;
  const double i_tail = o.i_ref * o.w_tail / o.w_bias, i_out = o.i_ref * o.w_sink / o.w_bias;
  auto& sub = c.subcircuit(
      subckt, {"inp", "inn", "out", "vdd", "vss"},
      {"Two-stage Miller OTA, 180 nm (src/circuit/transistor.hpp): NMOS pair M1/M2, PMOS mirror M3/M4, tail M5,",
       "PMOS second stage M6, sink M7, Cc = " + spice_number(o.cc) + " F with Rz = " + spice_number(o.rz) +
           " ohm; bias Iref = " + spice_number(o.i_ref) + " A into diode Mb: I_tail = " + spice_number(i_tail) +
           " A, I_out = " + spice_number(i_out) + " A."});
  const DeviceAdder add{c, sub, t, instance};
  add_first_stage(add, {o.i_ref, o.w_bias, o.l_bias, o.w_tail, o.w_in, o.l_in, o.w_load, o.l_load}, "inp", "inn", d);
  add_second_stage(add, "out", o.w_out, o.l_load, o.w_sink, o.l_bias, d);
  c.add(sub, Resistor{"Rz", "n1", "nz", o.rz});
  c.add(sub, Capacitor{"Cc", "nz", "out", o.cc});
}

void define_relu(Circuit& c, const TransistorEnvironment& t, const std::string& subckt, const std::string& instance) {
  if (has_subcircuit(c, subckt)) return;
  const auto& r = t.config.relu;
  const double d = t.config.diffusion;
  const bool follower = r.topology == config::RectifierTopology::follower;
  auto& sub = c.subcircuit(
      subckt, {"inp", "inn", "out", "vdd", "vss"},
      {std::string("Super-diode rectifier, 180 nm (src/circuit/transistor.hpp), ") +
           (follower ? "two-stage amplifier + NMOS source follower Mo"
                     : "one-stage amplifier + PMOS common source Mo") +
           "; sources current only.",
       "Bias Iref = " + spice_number(r.i_ref) + " A into Mb: I_tail = " + spice_number(r.i_ref * r.w_tail / r.w_bias) +
           " A" + (follower ? ", I_M7 = " + spice_number(r.i_ref * r.w_sink / r.w_bias) + " A" : std::string()) +
           "; Cc = " + spice_number(r.cc) + " F, Rz = " + spice_number(r.rz) + " ohm."});
  const DeviceAdder add{c, sub, t, instance};
  add_first_stage(add, {r.i_ref, r.w_bias, r.l_bias, r.w_tail, r.w_in, r.l_in, r.w_load, r.l_load}, "inp", "inn", d);
  if (follower) {
    add_second_stage(add, "g", r.w_stage2, r.l_load, r.w_sink, r.l_bias, d);
    add(mosfet("Mo", "vdd", "g", "out", "vss", "nch", r.w_out, r.l_out, d));
    if (r.clamp) add(mosfet("Mc", "vdd", "out", "g", "vss", "nch", r.w_clamp, r.l_clamp, d));
  } else {
    add(mosfet("Mo", "out", "n1", "vdd", "vdd", "pch", r.w_out, r.l_out, d));
  }
  c.add(sub, Resistor{"Rz", "n1", "nz", r.rz});
  c.add(sub, Capacitor{"Cc", "nz", follower ? "g" : "out", r.cc});
}

void define_lif(Circuit& c, const TransistorEnvironment& t, const std::string& subckt, const std::string& instance) {
  if (has_subcircuit(c, subckt)) return;
  const auto& f = t.config.lif;
  const double d = t.config.diffusion;
  auto& sub = c.subcircuit(
      subckt, {"mem", "vth", "col", "clks", "clksb", "clkr", "spk", "vdd", "vss"},
      {"LIF neuron comparator, latch and reset, 180 nm (src/circuit/transistor.hpp): uncompensated two-stage",
       "comparator (Iref = " + spice_number(f.i_ref) + " A, I_tail = " + spice_number(f.i_ref * f.w_tail / f.w_bias) +
           " A, I_M7 = " + spice_number(f.i_ref * f.w_sink / f.w_bias) + " A), inverters, transmission-gate latch on " +
           spice_number(f.c_hold) + " F, two series NMOS reset switches across C_mem."});
  const DeviceAdder add{c, sub, t, instance};
  add_first_stage(add, {f.i_ref, f.w_bias, f.l_bias, f.w_tail, f.w_in, f.l_in, f.w_load, f.l_load}, "mem", "vth", d);
  add_second_stage(add, "o", f.w_stage2, f.l_load, f.w_sink, f.l_bias, d);
  const auto inverter = [&](const std::string& tag, const std::string& in, const std::string& out) {
    add(mosfet("Mn" + tag, out, in, "vss", "vss", "nch", f.w_logic_n, f.l_logic, d));
    add(mosfet("Mp" + tag, out, in, "vdd", "vdd", "pch", f.w_logic_p, f.l_logic, d));
  };
  inverter("i1", "o", "ob");
  inverter("i2", "ob", "cmp");
  add(mosfet("Mtn", "cmp", "clks", "hold", "vss", "nch", f.w_logic_n, f.l_logic, d));
  add(mosfet("Mtp", "cmp", "clksb", "hold", "vdd", "pch", f.w_logic_p, f.l_logic, d));
  c.add(sub, Capacitor{"Chold", "hold", "vss", f.c_hold});
  inverter("i3", "hold", "holdb");
  inverter("i4", "holdb", "spk");
  add(mosfet("Mr1", "mem", "spk", "r", "vss", "nch", f.w_switch, f.l_switch, d));
  add(mosfet("Mr2", "r", "clkr", "col", "vss", "nch", f.w_switch, f.l_switch, d));
}

// The block's supply rails (sources added once per block): their nodes.
std::pair<std::string, std::string> block_supply(Circuit& c, Block& b, const Environment& env) {
  if (!b.supply_pair()) {
    const std::string slug = block_slug(b.title);
    c.add(b, VoltageSource{"Vdd_" + slug, "vdd_" + slug, "0", SourceValue{env.vdd}}, Role::supply_positive);
    c.add(b, VoltageSource{"Vss_" + slug, "vss_" + slug, "0", SourceValue{env.vss}}, Role::supply_negative);
  }
  return {b.source(Role::supply_positive)->plus, b.source(Role::supply_negative)->plus};
}

}  // namespace

void transistor_opamp(Circuit& c, Block& b, const std::string& name, const std::string& inp, const std::string& inn,
                      const std::string& out, const Environment& env) {
  const auto& t = require_transistor(env, name);
  use_transistor_models(c, t);
  const std::string subckt = subckt_for(kCmosOpamp, name, t);
  define_opamp(c, t, subckt, name);
  const auto [vdd, vss] = block_supply(c, b, env);
  c.add(b, Instance{"X" + name, {inp, inn, out, vdd, vss}, subckt});
}

void transistor_lif(Circuit& c, Block& b, const std::string& name, const LifNodes& n, const Environment& env) {
  const auto& t = require_transistor(env, name);
  use_transistor_models(c, t);
  const std::string subckt = subckt_for(kCmosLif, name, t);
  define_lif(c, t, subckt, name);
  const auto [vdd, vss] = block_supply(c, b, env);
  c.add(b, Instance{"X" + name, {n.mem, n.vth, n.col, n.clks, n.clksb, n.clkr, n.spk, vdd, vss}, subckt});
}

void transistor_relu(Circuit& c, Block& b, const std::string& name, const std::string& in, const std::string& out,
                     const Environment& env) {
  const auto& t = require_transistor(env, name);
  use_transistor_models(c, t);
  const std::string subckt = subckt_for(kCmosRectifier, name, t);
  define_relu(c, t, subckt, name);
  // A super-diode whose input is negative rests with its amplifier against
  // a rail and nodes that carry only leakage; with 28 of them in the ring,
  // ngspice's gmin and source stepping fail on the DC operating point and
  // its fallback (a pseudo-transient) does not hold the integrators' .ic,
  // so trajectories started elsewhere (measured: x0 1.25 -> 0.73 units).
  // rshunt = 1e12 ohm from every node to ground (1 pA per volt) lets
  // source stepping converge.
  if (std::none_of(c.options().begin(), c.options().end(), [](const auto& o) { return o.first == "rshunt"; }))
    c.option("rshunt", kRectifierRshunt);
  const auto [vdd, vss] = block_supply(c, b, env);
  c.add(b, Instance{"X" + name, {in, out, out, vdd, vss}, subckt});
  c.add(b, Resistor{"R" + name + "_pd", out, "0", t.config.relu.r_pulldown});
}

double gate_area(const Circuit& c, const std::string& subckt) {
  double area = 0.0;
  for (const auto& s : c.subcircuits())
    if (s.name() == subckt)
      for (const auto& e : s.elements())
        if (const auto* m = std::get_if<Mosfet>(&e)) area += m->w * m->l;
  return area;
}

double cell_1t1r_amplitude(double g, const config::CellConfig& cell, const TransistorEnvironment& t) {
  // Verify: row at Vv, column at 0, so I = g Vv flows through both devices;
  // the access transistor takes Vds = access_drop(I), the RRAM element the rest.
  const double vv = cell.verify_voltage;
  const double current = g * vv;
  const double v_rram = vv - t.access_drop(current);
  if (!(v_rram > 0))
    throw std::invalid_argument("a 1T1R cell of " + spice_number(g) + " S cannot be verified at " + spice_number(vv) +
                                " V: the access transistor alone drops it (wider transistor or higher word line)");
  return current / std::sinh(v_rram / cell.v0);
}

void transistor_cell(Circuit& c, Block& b, const std::string& name, const std::string& row, const std::string& col,
                     double g, const Environment& env) {
  const auto& t = require_transistor(env, name);
  use_transistor_models(c, t);
  if (!b.source(Role::word_line)) {
    const std::string slug = block_slug(b.title);
    c.add(b, VoltageSource{"Vwl_" + slug, "wl_" + slug, "0", SourceValue{t.config.access.word_line}}, Role::word_line);
    c.add(b, VoltageSource{"Vsub_" + slug, "vsub_" + slug, "0", SourceValue{env.vss}}, Role::bulk);
    const auto& p = env.cell;
    b.notes.push_back("1T1R cells: RRAM I = A sinh(V/" + spice_number(p.v0) + ") in series with NMOS " +
                      spice_number(t.config.access.w) + "/" + spice_number(t.config.access.l) + " m, word line " +
                      spice_number(t.config.access.word_line) + " V; A set so the whole cell carries G * " +
                      spice_number(p.verify_voltage) + " V at " + spice_number(p.verify_voltage) + " V.");
  }
  const VoltageSource* word_line = b.source(Role::word_line);
  const VoltageSource* bulk = b.source(Role::bulk);
  if (!bulk) throw std::logic_error(name + ": block '" + b.title + "' has a word-line source but no bulk source");
  const std::string wl = word_line->plus, sub = bulk->plus;
  const double amplitude = cell_1t1r_amplitude(g, env.cell, t);
  const std::string mid = name + "_m";
  c.add(b, BehavioralCurrent{"B" + name, row, mid,
                             Expr::num(amplitude) * cell_sinh(Expr::v(row, mid) / Expr::num(env.cell.v0), env)});
  const auto& a = t.config.access;
  Mosfet m = mosfet("M" + name, mid, wl, col, sub, "nch", a.w, a.l, t.config.diffusion);
  apply_mismatch(m, t.config.mismatch, m.name, false);
  c.add(b, std::move(m));
}

}  // namespace memcosim::circuit
