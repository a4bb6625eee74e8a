// The op-amp loops of a generated circuit, and the changes that measure
// them in place (memcosim stability): a loop-breaking probe at an op-amp's
// output, integrators held at their start state for the DC operating point,
// and a small step at an op-amp's non-inverting input.
//
// Op-amps are recognised by what the block builders emit (blocks.hpp): an
// instance of "opamp_beh" or "opamp_cmos" (output = its third node), or an
// ideal op-amp's VCVS E<name> with its output resistor R<name>_out; and the
// transistor-level rectifiers, instances of "relu_cmos" (a super-diode's
// loop). The loop's kind comes from its block: "... integrators",
// "... TIAs", "... inverters", "... rectifiers".
#pragma once

#include <string>
#include <vector>

#include "circuit/ir.hpp"

namespace memcosim::circuit {

enum class LoopKind { integrator, tia, inverter, rectifier, row_driver, other };
std::string to_string(LoopKind kind);

struct OpampLoop {
  std::string name;   // the op-amp's name as given to the builder: "int0", "l1_tia3"
  std::string block;  // title of its block
  LoopKind kind = LoopKind::other;
  std::string output;      // the node it drives
  std::string plus;        // its non-inverting input node
  std::string minus = {};  // its inverting input node
};

std::vector<OpampLoop> find_opamp_loops(const Circuit& c);

// Breaks the loop at the op-amp's output: the op-amp now drives
// <output>_lb, and Vlb_<name> (+ at <output>, - at <output>_lb; DC 0, AC
// v_ac) and Ilb_<name> (from ground into <output>; DC 0, AC i_ac) join the
// two sides. DC is unchanged. Throws std::invalid_argument if the op-amp is
// not found.
void insert_loop_probe(Circuit& c, const OpampLoop& loop, double v_ac, double i_ac);

// For a DC operating point at the integrators' start state: across each
// integrator capacitor C<name> (from <name>_vg to its output), a series
// inductor (`henries`, open at any AC frequency of interest) and a voltage
// source equal to the capacitor's .ic voltage; the integrators' .ic values
// are read from c.initial_conditions(). Returns how many were held.
int hold_integrators(Circuit& c, double henries = 1e9);

// Moves the op-amp's non-inverting input from its node to <name>_step and
// drives that with Vstep_<name> = V(plus) + step (a voltage source in series).
void insert_step(Circuit& c, const OpampLoop& loop, const Pwl& step);

}  // namespace memcosim::circuit
