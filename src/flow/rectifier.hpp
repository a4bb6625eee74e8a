// The transistor-level rectifier's characterisation (the testbench
// `memcosim stability` runs at every corner and temperature, and the
// candidate comparison in README "Rectifier at transistor level"):
//
//   Vin -> relu (circuit/blocks.hpp, the config's level and sizes) -> out,
//   loaded by stability.load_r || stability.load_c to ground.
//
//   DC transfer  Vin swept -50 mV .. +200 mV (0.25 mV steps):
//                offset = V(out) - V(in) at V(in) = +20 mV; knee = V(out)
//                at V(in) = 0 (the corner's rounding; an ideal rectifier
//                has 0, the behavioural one knee/2); leak = largest V(out)
//                for V(in) <= -5 mV; linear_max = the largest input up to
//                which |V(out) - V(in)| <= 1 mV from +5 mV on.
//   Transient    Vin -20 mV -> +20 mV at 1 us and back at 11 us (1 ns
//                edges): settling time after each sign change into +-1 %
//                of the 20 mV step around the final value.
//   Power        supply power (its block's Vdd/Vss) at Vin = +20 mV and
//                -20 mV (operating points).
//   Loop         the super-diode loop at Vin = +20 mV, broken at the output
//                by the same double-injection probe as the op-amps'.
//   Area         sum of W*L over its MOSFETs.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "analysis/stability.hpp"
#include "circuit/ir.hpp"
#include "circuit/loops.hpp"
#include "circuit/transistor.hpp"
#include "config/config.hpp"

namespace memcosim::spice {
class Runner;
}

namespace memcosim::flow {

struct RectifierFigures {
  double offset = 0, knee = 0, leak = 0, linear_max = 0;  // V
  double settle_rise = 0, settle_fall = 0;                // s (NaN: never settled)
  double power_on = 0, power_off = 0;                     // W
  double area = 0;                                        // m^2
  analysis::LoopMargins loop;
  std::string error;  // a failed simulation, else empty
  nlohmann::json json() const;
};

// The bench's rectifier loop: op-amp output `out`, fed back to its input `in`.
circuit::OpampLoop rectifier_bench_loop();

// Sets the bench's input source Vin to v (a DC value or a waveform).
void set_bench_input(circuit::Circuit& bench, circuit::SourceValue v);

// The testbench circuit (Vin DC 0; the caller sets its value or waveform).
circuit::Circuit rectifier_bench(const config::Config& cfg, std::shared_ptr<const circuit::TransistorEnvironment> t);

// Runs the jobs above through `runner` (which must have no other jobs in
// flight) and measures.
RectifierFigures characterise_rectifier(const config::Config& cfg,
                                        std::shared_ptr<const circuit::TransistorEnvironment> t, spice::Runner& runner);

}  // namespace memcosim::flow
