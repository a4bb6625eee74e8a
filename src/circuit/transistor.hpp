// Transistor-level blocks (180 nm CMOS, BSIM3v3 model cards nch / pch).
//
// The op-amp: a two-stage Miller OTA with its own bias network, one
// subcircuit "opamp_cmos" (ports inp inn out vdd vss) shared by every TIA,
// inverter and integrator:
//
//              vdd ---+--------------+---------------+------------+
//                     |              |               |            |
//                 Iref|         M3 |-+-| M4          |        M6 |-- n1
//                     |   (diode) d1 |  n1 ----------+------+     |
//          nb --------+             M1 |   | M2             Rz--Cc--+--- out
//          |          |       inn -|    |-  inp                    |
//         Mb (diode)  |              +-t-+                     M7 -| nb
//          |         M5 -| nb         |                             |
//         vss -------+---------------+-----------------------------+
//
//   M1/M2 NMOS input pair (inn on the diode side, so that out = A (inp - inn)),
//   M3/M4 PMOS mirror load, M5 tail, M6 PMOS common-source second stage, M7
//   NMOS sink; Cc in series with Rz from the first-stage output n1 to out;
//   Iref into the diode Mb sets I_tail = Iref W5/Wb and I_out = Iref W7/Wb.
//   NMOS bulks at vss, PMOS bulks at vdd. Sizes: circuit.transistor.opamp.
//
// Each block that holds transistor op-amps gets its own supply pair
// (sources Vdd_<block> / Vss_<block> on nodes vdd_<block> / vss_<block>, in
// that block, with the roles supply_positive / supply_negative), so the
// supply current, and with it the energy, is measured per block
// (flow/energy.hpp).
//
// The rectifier: a super-diode. An amplifier with an NMOS input pair (M2
// gate = in, M1 gate = out: unity-gain feedback) drives an output device Mo
// that can only source current into the output; R_pd (top level, to the
// signal ground) and the load pull the output to 0 when the input is
// negative, and the amplifier then rests against its rail.
//
//   follower (default):                    common_source:
//     M1-M5 first stage -> n1                M1-M5 first stage -> n1
//     M6 (PMOS, gate n1) / M7 sink -> g      Mo PMOS: source vdd, gate n1,
//     Mo NMOS follower: drain vdd,              drain out
//        gate g, source out                  Cc + Rz from n1 to out
//     Cc + Rz from n1 to g
//     optional clamp Mc (relu.clamp): NMOS, drain vdd, gate out, source g
//        (holds g one threshold below out when off)
//
// One subcircuit "relu_cmos" (ports inp inn out vdd vss, the op-amp's
// order) per circuit; the instance ties inn to out, so `memcosim stability`
// breaks and measures its loop like an op-amp's (circuit/loops.hpp). Its
// supplies are its block's (Vdd_/Vss_<block>), so its energy is metered
// like the op-amps'. Sizes: circuit.transistor.relu.
//
// The 1T1R cell: row -> RRAM element (the behavioural sinh cell) -> internal
// node -> NMOS access transistor (gate on the word line, source on the
// column, bulk at vss) -> column; the block's word-line and bulk sources
// (Vwl_/Vsub_<block>) have the roles word_line and bulk. Program-and-verify includes the access
// transistor: each cell's gap is set so that the whole cell carries
// G * verify_voltage at verify_voltage (row at verify_voltage, column at 0),
// using the access transistor's I-V measured in ngspice
// (flow/transistor.hpp), not a model of it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "circuit/ir.hpp"
#include "config/config.hpp"

namespace memcosim::circuit {

struct Environment;

// What the transistor-level blocks need besides the config.
struct TransistorEnvironment {
  config::TransistorConfig config;
  std::vector<ModelCard> models;  // the corner's cards, named nch and pch
  std::string library;            // the model library as the config names it (for the netlist header)
  // Access-transistor I-V at the word-line voltage (source at 0 V, bulk at
  // vss): drain current access_id[k] (A) at drain voltage access_vds[k] (V),
  // increasing, from 0 to at least the verify voltage.
  std::vector<double> access_vds, access_id;

  // The drain voltage at which the access transistor carries `current`
  // (linear interpolation of the measured I-V). Throws std::invalid_argument
  // when the current is beyond the measured range.
  double access_drop(double current) const;
};

inline constexpr const char* kCmosOpamp = "opamp_cmos";

// The supply node names of a block: vdd_<slug>, vss_<slug>, where slug is
// the block title in lower case with non-alphanumerics as '_'.
std::string block_slug(const std::string& title);

// An op-amp instance (out = A (inp - inn)), the subcircuit and the block's
// supply sources defined on first use.
void transistor_opamp(Circuit& c, Block& b, const std::string& name, const std::string& inp, const std::string& inn,
                      const std::string& out, const Environment& env);

inline constexpr const char* kCmosRectifier = "relu_cmos";
// ngspice's .options rshunt (ohm) written with the first rectifier.
inline constexpr double kRectifierRshunt = 1e12;

// out = max(in, 0): an instance of "relu_cmos" (defined on first use) with
// its feedback from out, R<name>_pd from out to ground, on its block's
// supplies; adds .options rshunt (kRectifierRshunt) once, which the DC
// operating point of a circuit with many of them needs (transistor.cpp).
void transistor_relu(Circuit& c, Block& b, const std::string& name, const std::string& in, const std::string& out,
                     const Environment& env);

// The LIF neuron's comparator, latch and reset (task prime), subcircuit
// "lif_cmos" (ports mem vth col clks clksb clkr spk vdd vss); the membrane is
// an op-amp integrator (column = virtual ground, C_mem and R_leak from col
// to mem) built beside it with opamp():
//
//   comparator: the op-amp's first stage (NMOS pair M1/M2, mirror M3/M4,
//     tail M5, bias Iref into Mb) and its PMOS second stage M6 with sink M7,
//     no compensation: out = A (V(mem) - V(vth)); inverters I1, I2 -> cmp
//     (high when mem > vth)
//   latch: transmission gate (Mtn gate clks, Mtp gate clksb) from cmp onto
//     C_hold (node hold), inverters I3, I4 -> spk; after the strobe the gate
//     is off and C_hold keeps the decision for the rest of the step
//   reset: NMOS Mr1 (gate spk) in series with Mr2 (gate clkr) from mem to
//     col, i.e. across C_mem: a spiking neuron's membrane is emptied while
//     clkr is high
//
// Clocks and spk swing between the rails (vss off, vdd on). NMOS bulks at
// vss, PMOS bulks at vdd. Sizes: circuit.transistor.lif.
inline constexpr const char* kCmosLif = "lif_cmos";

struct LifNodes {
  std::string mem, vth, col, clks, clksb, clkr, spk;
};
// An instance X<name> of "lif_cmos" (defined on first use) on its block's supplies.
void transistor_lif(Circuit& c, Block& b, const std::string& name, const LifNodes& n, const Environment& env);

// Sum of W*L (m^2) over the MOSFETs of a subcircuit (0 if there is none).
double gate_area(const Circuit& c, const std::string& subckt);

// A 1T1R cell of conductance g (at the verify voltage) from row to col.
void transistor_cell(Circuit& c, Block& b, const std::string& name, const std::string& row, const std::string& col,
                     double g, const Environment& env);

// The RRAM amplitude i0 exp(-gap/g0) of a 1T1R cell of conductance g.
double cell_1t1r_amplitude(double g, const config::CellConfig& cell, const TransistorEnvironment& t);

// Adds the model cards, their notes and the temperature option, once.
void use_transistor_models(Circuit& c, const TransistorEnvironment& t);

// MOSFET with drain/source areas from circuit.transistor.diffusion.
Mosfet mosfet(const std::string& name, const std::string& d, const std::string& g, const std::string& s,
              const std::string& b, const std::string& model, double w, double l, double diffusion);

}  // namespace memcosim::circuit
