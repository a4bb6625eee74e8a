// Device mismatch (Pelgrom): each MOSFET instance gets a threshold shift
// and a current-factor error,
//   dVth ~ N(0, (a_vt / sqrt(W L))^2),   dbeta/beta ~ N(0, (a_beta / sqrt(W L))^2),
// with the NMOS or PMOS coefficients of circuit.transistor.mismatch. They
// are written as the BSIM3 instance parameters DELVTO (VTH0 + dVth) and
// MULU0 (= 1 + dbeta/beta: beta = mu Cox W/L scales with the mobility).
//
// A draw is counter-based: a pure function of (seed, the device's full
// instance path as ngspice names it, e.g. "xl1_tia3.m1" or "ml2_p_r0_c3",
// the draw number), so the same chip is regenerated in any process, in any
// order, and adding a device never changes another device's numbers.
#pragma once

#include <string>

#include "circuit/ir.hpp"
#include "config/transistor.hpp"

namespace memcosim::circuit {

struct MismatchDraw {
  double delvto = 0.0;  // V
  double beta = 0.0;    // relative current-factor error
};

// The draw of one device (pmos selects the coefficients). Both are 0 when
// mismatch is disabled.
MismatchDraw mismatch_draw(const config::MismatchConfig& m, const std::string& path, bool pmos, double w, double l);

// Sets m.delvto and m.mulu0 from its draw; `path` is its instance path.
void apply_mismatch(Mosfet& m, const config::MismatchConfig& cfg, const std::string& path, bool pmos);

}  // namespace memcosim::circuit
